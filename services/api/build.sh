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

run=1
keep=0
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --no-run) run=0 ;;
    --keep-running) keep=1 ;;
    *) echo "build.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../docker/lib.sh
source "$here/../../docker/lib.sh"

select_engine
load_image_env "$here/image.env"
build_image "$here" api
[[ $run -eq 1 ]] || exit 0
run_and_check "${API_CONTAINER:-api1}" "${HOST_PORT:-8899}" /api/healthz /api/info '"service":"api"' "$keep"
