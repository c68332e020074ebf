#!/usr/bin/env bash
# Builds the API image from services/api/, tags it IMAGE_REPOSITORY:IMAGE_TAG (from image.env,
# the tag the cdk8s app deploys) and IMAGE_TAG-<git sha>, then runs it on 127.0.0.1 and checks
# that it answers. Same conventions as docker/build.sh, whose helpers it uses.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: services/api/build.sh [--no-run] [--keep-running] [--help]

Environment: CONTAINER_ENGINE (docker or podman), BASE_IMAGE (build argument), IMAGE_REPOSITORY
and IMAGE_TAG (override image.env), HOST_PORT (default 8899), API_CONTAINER (default api1),
CONTAINERS_CONF (podman settings; default docker/containers.conf).
USAGE
}


here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../docker/lib.sh
source "$here/../../docker/lib.sh"

parse_build_flags "$@"
select_engine
load_image_env "$here/image.env"
build_image "$here" api
[[ $RUN -eq 1 ]] || exit 0
run_and_check "${API_CONTAINER:-api1}" "${HOST_PORT:-8899}" /api/healthz /api/info '"service":"api"' "$KEEP"
