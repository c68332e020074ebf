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
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

select_engine
engine="$ENGINE"
load_image_env
host_port="${HOST_PORT:-8888}"
name="${SITE_CONTAINER:-nginx1}"
[[ "$host_port" =~ ^[0-9]+$ && "$host_port" -ge 1 && "$host_port" -le 65535 ]] \
  || die "HOST_PORT '$host_port' is not a port; use a number from 1 to 65535"

revision="$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
created="$(git -C "$root" log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)"
image="$IMAGE_REPOSITORY:$IMAGE_TAG"
tags=(-t "$image")
[[ "$revision" != unknown ]] && tags+=(-t "$IMAGE_REPOSITORY:$IMAGE_TAG-${revision:0:7}")

build_args=(--build-arg "VERSION=$IMAGE_TAG" --build-arg "REVISION=$revision" --build-arg "CREATED=$created")
[[ -n "${BASE_IMAGE:-}" ]] && build_args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
format=()
[[ "$engine" == podman ]] && format=(--format docker) # OCI images drop HEALTHCHECK

echo "build.sh: building $image with $engine"
"$engine" build "${format[@]}" "${build_args[@]}" "${tags[@]}" "$here"
mkdir -p "$root/build/images"
echo "$image" > "$root/build/images/site.ref"
echo "build.sh: built $image (recorded in build/images/site.ref)"

[[ $run -eq 1 ]] || exit 0

"$engine" rm -f "$name" >/dev/null 2>&1 || true
net=()
# podman's default bridge network would use a private address range; slirp4netns publishes
# on 127.0.0.1 only.
[[ "$engine" == podman ]] && net=(--network slirp4netns:port_handler=slirp4netns)
"$engine" run -d --pull never --name "$name" "${net[@]}" -p "127.0.0.1:$host_port:8080" \
  --read-only --tmpfs /tmp:rw,mode=1777 --cap-drop ALL --security-opt no-new-privileges \
  "$image" >/dev/null
[[ $keep -eq 1 ]] || trap '"$engine" rm -f "$name" >/dev/null 2>&1 || true' EXIT

url="http://127.0.0.1:$host_port"
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null "$url/healthz" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "$url/healthz" || { "$engine" logs "$name" >&2 || true; die "the container did not answer on $url/healthz"; }
curl -fsS "$url/" | grep -q 'minCloud mini Project!!' || die "$url/ did not serve the site"
echo "build.sh: $image answers on $url/ ($name)"
[[ $keep -eq 1 ]] && echo "build.sh: left running; stop it with: $engine rm -f $name"
exit 0
