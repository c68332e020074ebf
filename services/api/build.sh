#!/usr/bin/env bash
# Builds the API image from services/api/ (no compile step: server.js is plain JavaScript), tags
# it IMAGE_REPOSITORY:IMAGE_TAG from image.env (the tag the cdk8s app deploys) and
# IMAGE_TAG-<git short sha>, records the
# reference, then runs it hardened on 127.0.0.1, checks that it answers and that SIGTERM stops
# it cleanly. Self-contained: needs only bash, docker or podman, and curl or node.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: services/api/build.sh [--no-run] [--keep-running] [--help]

Builds services/api/Dockerfile as IMAGE_REPOSITORY:IMAGE_TAG (from services/api/image.env) and
IMAGE_REPOSITORY:IMAGE_TAG-<git short sha>, writes that reference to build/images/api.ref, then runs the image on 127.0.0.1:HOST_PORT
(read-only root filesystem, no capabilities, uid 10101), checks /api/healthz and /api/info,
and stops it with SIGTERM, which must end it with exit code 0.

Options:
  --no-run         build only
  --keep-running   leave the container running after the check
  --help           this text

Environment:
  CONTAINER_ENGINE   docker or podman (default: docker if its daemon answers, else podman)
  CONTAINERS_CONF    podman settings (default: docker/containers.conf, runc and ulimits)
  BASE_IMAGE         build argument: any image with node 18+ (default: the Dockerfile's pinned
                     official node image; ci/make-base-image.sh makes one offline)
  IMAGE_REPOSITORY   overrides image.env (e.g. registry.example.com/team/api)
  IMAGE_TAG          overrides image.env (a version, never "latest")
  IMAGE_REF_FILE     where to record the reference (default: build/images/api.ref)
  HOST_PORT          port on 127.0.0.1 for the check (default 8899)
  API_CONTAINER      name of the container (default api1)
  SOURCE_DATE_EPOCH  the image's "created" label (default: the last commit's time)
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# die, parse_build_flags, select_engine, load_image_env and base_digest, shared with the site's image scripts.
# shellcheck source=../../docker/lib.sh
source "$root/docker/lib.sh"

parse_build_flags "$@"

select_engine
engine="$ENGINE"
load_image_env "$here/image.env"
image="$IMAGE_REPOSITORY:$IMAGE_TAG"
ref_file="${IMAGE_REF_FILE:-$root/build/images/api.ref}"

port="${HOST_PORT:-8899}"
name="${API_CONTAINER:-api1}"
if [[ $RUN -eq 1 ]]; then
  [[ "$port" =~ ^[0-9]+$ ]] && (( port >= 1 && port <= 65535 )) \
    || die "HOST_PORT '$port' is not a port; use a number from 1 to 65535"
  [[ "$name" =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ ]] || die "API_CONTAINER '$name' is not a container name"
fi

# --- build ----------------------------------------------------------------------------------
revision="$(git -C "$root" rev-parse HEAD 2>/dev/null || true)"
# Uncommitted changes in services/api: the image is not that commit's, and both its revision
# label and its version-revision tag say so (IMAGE_TAG-<sha>-dirty), as docker/build.sh does.
dirty=""
if [[ -n "$revision" && -n "$(git -C "$root" status --porcelain -- "$here" 2>/dev/null)" ]]; then
  dirty="-dirty"
  revision="$revision$dirty"
fi
if [[ -n "${SOURCE_DATE_EPOCH:-}" ]]; then
  created="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
else
  created="$(TZ=UTC git -C "$root" log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd 2>/dev/null || true)"
  created="${created:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}"
fi

args=(--build-arg "VERSION=$IMAGE_TAG" --build-arg "REVISION=${revision:-unknown}" --build-arg "CREATED=$created")
[[ -n "${BASE_IMAGE:-}" ]] && args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
args+=(--build-arg "BASE_DIGEST=$(base_digest "$here")")
# Docker's image format: the OCI format has no HEALTHCHECK and podman would drop it.
[[ "$engine" == podman ]] && args+=(--format docker)
# podman 4's layer cache does not see a changed build argument in an image without a RUN step
# (this one has none): a new commit or version would get the earlier build's labels and
# APP_VERSION. Its build is two copied files, so podman builds it afresh every time.
[[ "$engine" == podman ]] && args+=(--no-cache)

echo "build.sh: building $image with $engine${BASE_IMAGE:+ on $BASE_IMAGE}"
tags=(-t "$image")
short_sha="$(git -C "$root" rev-parse --short=7 HEAD 2>/dev/null || true)"
[[ -n "$short_sha" ]] && tags+=(-t "$IMAGE_REPOSITORY:$IMAGE_TAG-$short_sha$dirty")
[[ -z "$dirty" ]] || echo "build.sh: note: services/api/ has uncommitted changes; tagged $IMAGE_TAG-$short_sha$dirty, not a commit's tag"

"$engine" build "${args[@]}" "${tags[@]}" -f "$here/Dockerfile" "$here"
mkdir -p "$(dirname "$ref_file")"
echo "$image" > "$ref_file"
echo "build.sh: built $image${short_sha:+ and $IMAGE_REPOSITORY:$IMAGE_TAG-$short_sha$dirty} (recorded in $ref_file)"

[[ $RUN -eq 1 ]] || exit 0

# --- run and check --------------------------------------------------------------------------
url="http://127.0.0.1:$port"

# http_get URL: prints the body; fails unless the answer is 2xx.
http_get() {
  if command -v curl >/dev/null; then
    curl -fsS --max-time 3 "$1"
  elif command -v node >/dev/null; then
    node -e "require('http').get(process.argv[1],{timeout:3000},r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>{process.stdout.write(b);process.exit(r.statusCode>=200&&r.statusCode<300?0:1)})}).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))" "$1"
  else
    die "need curl or node to check the container"
  fi
}

if timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$port" 2>/dev/null; then
  die "something already listens on 127.0.0.1:$port; choose another HOST_PORT"
fi

run_args=(--name "$name" --pull never --read-only --cap-drop ALL --security-opt no-new-privileges --user 10101:10101)
if [[ "$engine" == podman ]]; then
  # slirp4netns publishes on 127.0.0.1 only; podman's default bridge network would take a
  # private address range. Nothing writable, not even the /tmp and /run that podman mounts by
  # default with --read-only.
  run_args+=(--network slirp4netns:port_handler=slirp4netns --read-only-tmpfs=false)
fi
run_args+=(-p "127.0.0.1:$port:8080")

cleanup() { "$engine" rm -f "$name" >/dev/null 2>&1 || true; }
cleanup
[[ $KEEP -eq 1 ]] || trap cleanup EXIT
"$engine" run -d "${run_args[@]}" "$image" >/dev/null
fail() {
  echo "build.sh: container logs:" >&2
  "$engine" logs "$name" >&2 2>&1 || true
  cleanup
  die "$@"
}

for _ in $(seq 1 75); do
  http_get "$url/api/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
health="$(http_get "$url/api/healthz" 2>/dev/null)" || fail "the container did not answer on $url/api/healthz"
[[ "$health" == '{"status":"ok"}' ]] || fail "$url/api/healthz answered '$health', not {\"status\":\"ok\"}"
info="$(http_get "$url/api/info")" || fail "$url/api/info did not answer 200"
[[ "$info" == *'"service":"api"'* && "$info" == *"\"version\":\"$IMAGE_TAG\""* ]] \
  || fail "$url/api/info answered '$info', not service api version $IMAGE_TAG"
echo "build.sh: $image answers on $url/api/healthz and /api/info (container $name)"

if [[ $KEEP -eq 1 ]]; then
  echo "build.sh: left running; stop it with: $engine stop $name && $engine rm $name"
  exit 0
fi

"$engine" stop -t 15 "$name" >/dev/null || fail "could not stop $name"
code="$("$engine" inspect -f '{{.State.ExitCode}}' "$name" 2>/dev/null || echo unknown)"
[[ "$code" == 0 ]] || fail "SIGTERM ended the container with exit code $code, not 0"
cleanup
echo "build.sh: SIGTERM stopped it cleanly (exit code 0); removed $name"
