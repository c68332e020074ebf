#!/usr/bin/env bash
# Builds the site image from docker/, tags it IMAGE_REPOSITORY:IMAGE_TAG (from image.env, the
# tag the cdk8s app deploys) and IMAGE_TAG-<git sha>, then runs it like the seed did (host port
# 8888) and checks that it answers.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: docker/build.sh [--no-run] [--keep-running] [--help]

Builds docker/Dockerfile and tags it with the version in docker/image.env (and the version plus
the short git revision), writes the reference to build/images/site.ref, then starts the image
on 127.0.0.1:$HOST_PORT and checks /healthz and /. The container is stopped afterwards unless
--keep-running is given; --no-run only builds.

Environment:
  CONTAINER_ENGINE   docker or podman (default: whichever is installed, docker first)
  BASE_IMAGE         base image build argument (default: the Dockerfile's pinned nginx image)
  IMAGE_REPOSITORY   overrides docker/image.env
  IMAGE_TAG          overrides docker/image.env
  HOST_PORT          host port on 127.0.0.1 to publish 8080 on (default 8888)
  SITE_CONTAINER     name of the running container (default nginx1)
  CONTAINERS_CONF    podman settings (default: docker/containers.conf: runc, raised ulimits)
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

parse_build_flags "$@"
select_engine
load_image_env "$here/image.env"
build_image "$here" site
[[ $RUN -eq 1 ]] || exit 0
run_and_check "${SITE_CONTAINER:-nginx1}" "${HOST_PORT:-8888}" /healthz / 'minCloud mini Project!!' "$KEEP"
