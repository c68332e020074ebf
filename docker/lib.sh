# Shared by the site image scripts (docker/build.sh, docker/push.sh): error reporting, engine
# detection, image.env, build and run-and-check.
# shellcheck shell=bash

LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LIB_DIR/.." && pwd)"

die() {
  echo "${0##*/}: $*" >&2
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
# shellcheck disable=SC2034 # RUN and KEEP are for the calling script
parse_build_flags() {
  RUN=1
  KEEP=0
  local arg
  for arg in "$@"; do
    case "$arg" in
      --help|-h) usage; exit 0 ;;
      --no-run) RUN=0 ;;
      --keep-running) KEEP=1 ;;
      *) echo "${0##*/}: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
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

# base_digest CONTEXT: the content digest (sha256:...) of the base image a build of
# CONTEXT/Dockerfile uses (BASE_IMAGE, else the Dockerfile's default): the digest a reference
# pinned as repository:tag@sha256:... names, else that of the engine's local copy, else empty
# (not pulled yet). Recorded in the image's org.opencontainers.image.base.digest label, so every
# build says which base bytes it is on, and the reference to pin the next build to.
base_digest() {
  local base="${BASE_IMAGE:-$(sed -n 's/^ARG BASE_IMAGE=//p' "$1/Dockerfile" | head -n 1)}" digest=""
  if [[ "$base" == *@sha256:* ]]; then
    digest="${base##*@}"
  elif [[ "$ENGINE" == podman ]]; then
    digest="$(podman image inspect --format '{{.Digest}}' "$base" 2>/dev/null || true)"
  else
    digest="$("$ENGINE" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$base" 2>/dev/null | head -n 1 || true)"
    digest="${digest##*@}"
  fi
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] && echo "$digest" || true
}

# build_image CONTEXT REF_FILE: builds CONTEXT/Dockerfile as IMAGE_REPOSITORY:IMAGE_TAG and
# IMAGE_TAG-<git sha> (IMAGE_TAG-<git sha>-dirty when CONTEXT has uncommitted changes), and
# writes IMAGE_REPOSITORY:IMAGE_TAG to REF_FILE. The revision label is the full commit id,
# with "-dirty" appended in that case (push.sh refuses such images); the created label is the
# commit's time (reproducible), or now for a dirty tree, or SOURCE_DATE_EPOCH when set.
build_image() {
  local context="$1" ref_file="$2"
  local revision="" created="" image="$IMAGE_REPOSITORY:$IMAGE_TAG" dirty=""
  if git -C "$REPO_ROOT" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    revision="$(git -C "$REPO_ROOT" rev-parse HEAD)"
    [[ -z "$(git -C "$REPO_ROOT" status --porcelain -- "$context")" ]] || dirty="-dirty"
    [[ -n "$dirty" ]] || created="$(TZ=UTC git -C "$REPO_ROOT" log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd)"
  fi
  if [[ -n "${SOURCE_DATE_EPOCH:-}" ]]; then
    [[ "$SOURCE_DATE_EPOCH" =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH '$SOURCE_DATE_EPOCH' is not allowed; use seconds since 1970 (a whole number)"
    created="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
  fi
  created="${created:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}"
  local tags=(-t "$image")
  [[ -n "$revision" ]] && tags+=(-t "$IMAGE_REPOSITORY:$IMAGE_TAG-${revision:0:7}$dirty")
  local args=(--build-arg "VERSION=$IMAGE_TAG" --build-arg "REVISION=${revision:-unknown}$dirty" --build-arg "CREATED=$created")
  [[ -n "${BASE_IMAGE:-}" ]] && args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
  args+=(--build-arg "BASE_DIGEST=$(base_digest "$context")")
  # Docker's image format: podman's default OCI format has no HEALTHCHECK and would drop it.
  [[ "$ENGINE" == podman ]] && args+=(--format docker)
  echo "${0##*/}: building $image${revision:+ and $IMAGE_REPOSITORY:$IMAGE_TAG-${revision:0:7}$dirty} with $ENGINE${BASE_IMAGE:+ on $BASE_IMAGE}"
  [[ -z "$dirty" ]] || echo "${0##*/}: note: ${context#"$REPO_ROOT"/}/ has uncommitted changes; push.sh will refuse this build"
  "$ENGINE" build "${args[@]}" "${tags[@]}" -f "$context/Dockerfile" "$context"
  mkdir -p "$(dirname "$ref_file")"
  echo "$image" > "$ref_file"
  echo "${0##*/}: built $image (recorded in ${ref_file#"$REPO_ROOT"/})"
}

# check_run_settings NAME HOST_PORT: dies unless both are usable (called before building too).
check_run_settings() {
  [[ "$1" =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ ]] \
    || die "SITE_CONTAINER '$1' is not a container name; use letters, digits, '_', '.', '-' (e.g. nginx1)"
  [[ "$2" =~ ^[0-9]{1,5}$ ]] && (( 10#$2 >= 1 && 10#$2 <= 65534 )) \
    || die "HOST_PORT '$2' is not allowed; use a number from 1 to 65534 (stub_status takes the next one)"
}

# engine_quiet ARGS...: runs the engine with its standard output discarded and its errors
# shown, except podman's complaint that it cannot use systemd timers for healthchecks on a
# machine without systemd (harmless: `podman healthcheck run` still runs them on demand).
engine_quiet() {
  local out rc=0
  out="$("$ENGINE" "$@" 2>&1 >/dev/null)" || rc=$?
  [[ -z "$out" ]] || grep -v 'unable to get systemd connection' <<<"$out" >&2 || true
  return "$rc"
}

# The container run_and_check started (for the EXIT trap and fail).
RUN_CONTAINER=""
remove_run_container() {
  [[ -z "$RUN_CONTAINER" ]] || engine_quiet rm -f "$RUN_CONTAINER" || true
}

# fail MESSAGE: shows the logs of the container run_and_check started, removes it, dies.
fail() {
  if [[ -n "$RUN_CONTAINER" ]]; then
    echo "${0##*/}: logs of $RUN_CONTAINER:" >&2
    "$ENGINE" logs "$RUN_CONTAINER" >&2 2>&1 || true
    remove_run_container
  fi
  die "$@"
}

# run_and_check NAME HOST_PORT HEALTH_PATH PAGE_PATH PAGE_TEXT KEEP: runs the image hardened
# (read-only root, only /tmp writable, uid 10101, no capabilities, no privilege escalation) in
# the host's network namespace, listening on 127.0.0.1:HOST_PORT only (SITE_LISTEN; stub_status
# on 127.0.0.1:HOST_PORT+1), and checks HEALTH_PATH answers and PAGE_PATH contains PAGE_TEXT.
# Unless KEEP is 1 it then stops the container (STOPSIGNAL, graceful) and removes it.
# Host networking, not published ports: podman's and docker's default bridge networks use
# private address ranges, and this way nothing listens beyond the loopback address.
run_and_check() {
  local name="$1" port="$2" health="$3" page="$4" text="$5" keep="$6"
  local image="$IMAGE_REPOSITORY:$IMAGE_TAG" url="http://127.0.0.1:$2"
  check_run_settings "$name" "$port"
  "$ENGINE" rm -f "$name" >/dev/null 2>&1 || true
  local p
  for p in "$port" $((port + 1)); do
    if timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$p" 2>/dev/null; then
      die "something already listens on 127.0.0.1:$p; choose another HOST_PORT"
    fi
  done
  local args=(-d --pull never --name "$name" --network host
    -e "SITE_LISTEN=127.0.0.1:$port" -e "STATUS_LISTEN=127.0.0.1:$((port + 1))"
    --read-only --tmpfs "/tmp:rw,mode=1777,size=64m" --user 10101:10101
    --cap-drop ALL --security-opt no-new-privileges)
  # Only the /tmp above is writable (podman adds writable /run and /var/tmp otherwise).
  [[ "$ENGINE" == podman ]] && args+=(--read-only-tmpfs=false)
  RUN_CONTAINER="$name"
  [[ "$keep" -eq 1 ]] || trap remove_run_container EXIT
  engine_quiet run "${args[@]}" "$image" || fail "could not start $image"
  for _ in $(seq 1 50); do
    curl -fsS -o /dev/null --max-time 2 "$url$health" 2>/dev/null && break
    sleep 0.2
  done
  curl -fsS -o /dev/null --max-time 2 "$url$health" || fail "the container did not answer on $url$health"
  local body
  body="$(curl -fsS --max-time 5 "$url$page")" || fail "$url$page did not answer 200"
  [[ "$body" == *"$text"* ]] || fail "$url$page did not answer with '$text'"
  echo "${0##*/}: $image answers on $url$health and $url$page (container $name)"
  if [[ "$keep" -eq 1 ]]; then
    echo "${0##*/}: left running; stop it with: $ENGINE rm -f $name"
    return 0
  fi
  engine_quiet stop -t 10 "$name" || fail "could not stop $name"
  local code
  code="$("$ENGINE" inspect -f '{{.State.ExitCode}}' "$name" 2>/dev/null || echo unknown)"
  [[ "$code" == 0 ]] || fail "stopping ended the container with exit code $code, not 0"
  remove_run_container
  echo "${0##*/}: stopped it cleanly (exit code 0) and removed $name"
}
