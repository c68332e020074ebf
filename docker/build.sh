#!/usr/bin/env bash
# Builds the site image from docker/, tags it IMAGE_REPOSITORY:IMAGE_TAG (from image.env, the
# tag the cdk8s app deploys) and IMAGE_TAG-<git sha>, then runs it like the seed did (port 8888,
# here on 127.0.0.1 only) and checks that it answers. The work is in docker/lib.sh.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: docker/build.sh [--no-run] [--keep-running] [--help]

Builds docker/Dockerfile and tags it IMAGE_REPOSITORY:IMAGE_TAG (docker/image.env) and
IMAGE_REPOSITORY:IMAGE_TAG-<short git sha>, and writes IMAGE_REPOSITORY:IMAGE_TAG to
build/images/site.ref. Then, like the seed's `docker run -p 8888:80`, it runs the image
hardened (read-only root filesystem with /tmp as the only writable path, uid 10101, no
capabilities) in the host network on 127.0.0.1:HOST_PORT, checks that /healthz answers and
that / serves the page, and stops it again (exit code 0 expected).

Options:
  --keep-running   leave the container running after the check (stop: ENGINE rm -f nginx1)
  --no-run         build only
  --help           this text

Environment:
  CONTAINER_ENGINE   docker or podman (default: docker if its daemon answers, else podman)
  BASE_IMAGE         base image build argument (default: the Dockerfile's pinned
                     nginxinc/nginx-unprivileged; docker/ci/make-base-image.sh makes a local one)
  IMAGE_REPOSITORY   overrides docker/image.env (lower-case [registry/]path)
  IMAGE_TAG          overrides docker/image.env (a version; never "latest")
  HOST_PORT          port on 127.0.0.1 for the run (default 8888; stub_status on HOST_PORT+1)
  SITE_CONTAINER     name of the container (default nginx1)
  IMAGE_REF_FILE     where to record the reference (default build/images/site.ref)
  CONTAINERS_CONF    podman settings (default: docker/containers.conf: runc, raised ulimits)
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

parse_build_flags "$@"
select_engine
load_image_env "$here/image.env"
[[ $RUN -eq 0 ]] || check_run_settings "${SITE_CONTAINER:-nginx1}" "${HOST_PORT:-8888}"
build_image "$here" "${IMAGE_REF_FILE:-$REPO_ROOT/build/images/site.ref}"
[[ $RUN -eq 1 ]] || exit 0
run_and_check "${SITE_CONTAINER:-nginx1}" "${HOST_PORT:-8888}" /healthz / 'minCloud mini Project!!' "$KEEP"
