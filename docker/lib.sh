# Shared by the image scripts (docker/build.sh, docker/push.sh, services/api/build.sh):
# error reporting, engine detection, image.env, build and run-and-check.
# shellcheck shell=bash

LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LIB_DIR/.." && pwd)"

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
    export CONTAINERS_CONF="$LIB_DIR/containers.conf"
  fi
  ENGINE="$engine"
}

# parse_build_flags ARGS...: sets RUN and KEEP from --no-run and --keep-running; --help calls
# the script's usage function.
parse_build_flags() {
  RUN=1
  KEEP=0
  local arg
  for arg in "$@"; do
    case "$arg" in
      --help|-h) usage; exit 0 ;;
      --no-run) RUN=0 ;;
      --keep-running) KEEP=1 ;;
      *) echo "$(basename "$0"): unknown argument '$arg' (see --help)" >&2; exit 2 ;;
    esac
  done
}

# load_image_env FILE: sets IMAGE_REPOSITORY and IMAGE_TAG from the environment or FILE.
load_image_env() {
  local file="$1" repo="${IMAGE_REPOSITORY:-}" tag="${IMAGE_TAG:-}"
  [[ -f "$file" ]] || die "$file is missing; it names the image (IMAGE_REPOSITORY=..., IMAGE_TAG=...)"
  # shellcheck disable=SC1090
  source "$file"
  IMAGE_REPOSITORY="${repo:-$IMAGE_REPOSITORY}"
  IMAGE_TAG="${tag:-$IMAGE_TAG}"
  [[ -n "${IMAGE_REPOSITORY:-}" ]] || die "IMAGE_REPOSITORY is empty; set it in $file"
  [[ "$IMAGE_REPOSITORY" =~ ^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$ ]] \
    || die "IMAGE_REPOSITORY '$IMAGE_REPOSITORY' is not a repository name; use lower-case [registry/]path, e.g. docker.io/mincloud1501/nginx"
  [[ -n "${IMAGE_TAG:-}" ]] || die "IMAGE_TAG is empty; set a version such as 1.0.0 in $file"
  [[ "$IMAGE_TAG" != latest ]] || die "IMAGE_TAG 'latest' is not a version; use a release such as 1.0.0"
  [[ "$IMAGE_TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] \
    || die "IMAGE_TAG '$IMAGE_TAG' is not a valid tag; use letters, digits, '_', '.', '-' (max 128)"
}

# build_image CONTEXT REF_NAME: builds CONTEXT/Dockerfile as IMAGE_REPOSITORY:IMAGE_TAG and
# IMAGE_TAG-<git sha>, and records the reference in build/images/REF_NAME.ref.
build_image() {
  local context="$1" ref_name="$2"
  local revision created image
  revision="$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  created="$(git -C "$REPO_ROOT" log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)"
  image="$IMAGE_REPOSITORY:$IMAGE_TAG"
  local tags=(-t "$image")
  [[ "$revision" != unknown ]] && tags+=(-t "$IMAGE_REPOSITORY:$IMAGE_TAG-${revision:0:7}")
  local args=(--build-arg "VERSION=$IMAGE_TAG" --build-arg "REVISION=$revision" --build-arg "CREATED=$created")
  [[ -n "${BASE_IMAGE:-}" ]] && args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
  # Docker's image format: OCI images drop the HEALTHCHECK.
  [[ "$ENGINE" == podman ]] && args+=(--format docker)
  echo "$(basename "$0"): building $image with $ENGINE"
  "$ENGINE" build "${args[@]}" "${tags[@]}" "$context"
  mkdir -p "$REPO_ROOT/build/images"
  echo "$image" > "$REPO_ROOT/build/images/$ref_name.ref"
  echo "$(basename "$0"): built $image (recorded in build/images/$ref_name.ref)"
}

# run_and_check NAME HOST_PORT HEALTH_PATH PAGE_PATH PAGE_TEXT KEEP: runs the image hardened
# (read-only, no capabilities) on 127.0.0.1:HOST_PORT and checks HEALTH_PATH answers and
# PAGE_PATH contains PAGE_TEXT; removes the container afterwards unless KEEP is 1.
run_and_check() {
  local name="$1" port="$2" health="$3" page="$4" text="$5" keep="$6"
  local image="$IMAGE_REPOSITORY:$IMAGE_TAG" url="http://127.0.0.1:$2"
  [[ "$port" =~ ^[0-9]+$ && "$port" -ge 1 && "$port" -le 65535 ]] || die "HOST_PORT '$port' is not a port; use a number from 1 to 65535"
  "$ENGINE" rm -f "$name" >/dev/null 2>&1 || true
  local net=()
  # podman's default bridge network would use a private address range; slirp4netns publishes
  # on 127.0.0.1 only.
  [[ "$ENGINE" == podman ]] && net=(--network slirp4netns:port_handler=slirp4netns)
  "$ENGINE" run -d --pull never --name "$name" "${net[@]}" -p "127.0.0.1:$port:8080" \
    --read-only --tmpfs /tmp:rw,mode=1777 --cap-drop ALL --security-opt no-new-privileges "$image" >/dev/null
  [[ "$keep" -eq 1 ]] || trap '"$ENGINE" rm -f "'"$name"'" >/dev/null 2>&1 || true' EXIT
  for _ in $(seq 1 50); do
    curl -fsS -o /dev/null "$url$health" 2>/dev/null && break
    sleep 0.2
  done
  curl -fsS -o /dev/null "$url$health" || { "$ENGINE" logs "$name" >&2 || true; die "the container did not answer on $url$health"; }
  curl -fsS "$url$page" | grep -q "$text" || die "$url$page did not answer with '$text'"
  echo "$(basename "$0"): $image answers on $url$page ($name)"
  [[ "$keep" -eq 1 ]] && echo "$(basename "$0"): left running; stop it with: $ENGINE rm -f $name"
  return 0
}
