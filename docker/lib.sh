# Shared by build.sh and push.sh: error reporting, engine detection, image.env.
# shellcheck shell=bash

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# Sets ENGINE to docker or podman: CONTAINER_ENGINE if set, else whichever is installed.
select_engine() {
  local engine="${CONTAINER_ENGINE:-}"
  if [[ -n "$engine" ]]; then
    [[ "$engine" == docker || "$engine" == podman ]] \
      || die "CONTAINER_ENGINE '$engine' is not supported; use docker or podman"
    command -v "$engine" >/dev/null || die "CONTAINER_ENGINE is $engine, but $engine is not installed"
  elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    engine=docker
  elif command -v podman >/dev/null; then
    engine=podman
  else
    die "neither docker (with a running engine) nor podman is installed; install one or set CONTAINER_ENGINE"
  fi
  if [[ "$engine" == podman && -z "${CONTAINERS_CONF:-}" ]]; then
    export CONTAINERS_CONF="$here/containers.conf"
  fi
  ENGINE="$engine"
}

# Sets IMAGE_REPOSITORY and IMAGE_TAG from the environment or docker/image.env.
load_image_env() {
  local file="$here/image.env" repo="${IMAGE_REPOSITORY:-}" tag="${IMAGE_TAG:-}"
  [[ -f "$file" ]] || die "$file is missing; it names the image (IMAGE_REPOSITORY=..., IMAGE_TAG=...)"
  # shellcheck disable=SC1090
  source "$file"
  IMAGE_REPOSITORY="${repo:-$IMAGE_REPOSITORY}"
  IMAGE_TAG="${tag:-$IMAGE_TAG}"
  [[ -n "${IMAGE_REPOSITORY:-}" ]] || die "IMAGE_REPOSITORY is empty; set it in docker/image.env"
  [[ "$IMAGE_REPOSITORY" =~ ^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$ ]] \
    || die "IMAGE_REPOSITORY '$IMAGE_REPOSITORY' is not a repository name; use lower-case [registry/]path, e.g. docker.io/mincloud1501/nginx"
  [[ -n "${IMAGE_TAG:-}" ]] || die "IMAGE_TAG is empty; set a version such as 1.0.0 in docker/image.env"
  [[ "$IMAGE_TAG" != latest ]] || die "IMAGE_TAG 'latest' is not a version; use a release such as 1.0.0"
  [[ "$IMAGE_TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] \
    || die "IMAGE_TAG '$IMAGE_TAG' is not a valid tag; use letters, digits, '_', '.', '-' (max 128)"
}
