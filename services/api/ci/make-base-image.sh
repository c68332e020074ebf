#!/usr/bin/env bash
# Makes a local stand-in for the API's base image where no container registry is reachable: a
# minimal Debian bookworm root filesystem with Debian's Node.js (v18) made by debootstrap and
# imported into podman. The Dockerfile builds on it unchanged (BASE_IMAGE=<this image>).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: services/api/ci/make-base-image.sh [--force] [--help]

Creates the podman image $API_BASE_IMAGE (default localhost/api-base:bookworm) from
  debootstrap --variant=minbase --include=nodejs,ca-certificates bookworm <dir> <mirror>
  tar -C <dir> -c . | podman import - $API_BASE_IMAGE
and does nothing when that image already exists (--force makes it again).

Environment:
  API_BASE_IMAGE   image to create (default localhost/api-base:bookworm)
  MIRROR           Debian mirror (default: the first .../debian one apt uses, else deb.debian.org)
  CONTAINERS_CONF  podman settings (default: docker/containers.conf)

Needs root, debootstrap and podman.
USAGE
}

die() { echo "make-base-image: $*" >&2; exit 1; }

force=0
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --force) force=1 ;;
    *) echo "make-base-image: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
image="${API_BASE_IMAGE:-localhost/api-base:bookworm}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$root/docker/containers.conf}"

for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed (apt-get install $tool)"
done
[[ "$(id -u)" -eq 0 ]] || die "debootstrap needs root"

if [[ $force -eq 0 ]] && podman image exists "$image"; then
  echo "make-base-image: $image exists"
  exit 0
fi

mirror="${MIRROR:-}"
if [[ -z "$mirror" ]]; then
  # deb822 "URIs: <url>" and one-line "deb [options] <url> <suite> ..." entries; the main
  # archive ends in /debian (not /debian-security).
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -E '^[[:space:]]*(URIs:|deb[[:space:]])' \
    | grep -oE 'https?://[^[:space:]]+/debian/?([[:space:]]|$)' | head -n 1 | tr -d '[:space:]' || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
echo "make-base-image: debootstrap bookworm (nodejs, ca-certificates) from $mirror"
debootstrap --variant=minbase --include=nodejs,ca-certificates bookworm "$rootfs" "$mirror" >/dev/null \
  || die "debootstrap failed (is $mirror reachable?)"
[[ -x "$rootfs/usr/bin/node" ]] || die "debootstrap made no /usr/bin/node"
rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
tar -C "$rootfs" -c . | podman import --quiet --change 'CMD ["node"]' - "$image" >/dev/null
echo "make-base-image: built $image ($(chroot "$rootfs" node --version))"
