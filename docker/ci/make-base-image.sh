#!/usr/bin/env bash
# Makes a local stand-in for a base image when no container registry is reachable: a minimal
# Debian bookworm root filesystem with the named packages (debootstrap), imported into podman.
# By default nginx and curl as localhost/nginx-base:bookworm, on which docker/Dockerfile builds
# unchanged; the API's base is `BASE_IMAGE=localhost/api-base:bookworm PACKAGES=nodejs`.
# Skips the work when the image already exists.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: docker/ci/make-base-image.sh [--force] [--help]

Creates the podman image $BASE_IMAGE (default localhost/nginx-base:bookworm) from
debootstrap --variant=minbase --include=$PACKAGES (default nginx-light,curl) bookworm. Needs
root, debootstrap and podman. MIRROR overrides the Debian mirror (default: the one apt uses,
else debootstrap's own default).
USAGE
}

force=0
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --force) force=1 ;;
    *) echo "make-base-image: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

image="${BASE_IMAGE:-localhost/nginx-base:bookworm}"
packages="${PACKAGES:-nginx-light,curl}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"

for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || { echo "make-base-image: '$tool' is not installed (apt-get install $tool)" >&2; exit 1; }
done
if [[ $force -eq 0 ]] && podman image exists "$image"; then
  echo "make-base-image: $image exists"
  exit 0
fi

mirror="${MIRROR:-}"
if [[ -z "$mirror" ]]; then
  mirror="$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | head -n 1 || true)"
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
echo "make-base-image: debootstrap bookworm ($packages) from ${mirror:-the default mirror of debootstrap}"
# Without a mirror argument debootstrap uses its own default.
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" ${mirror:+"$mirror"} >/dev/null
if [[ -d "$rootfs/etc/nginx" ]]; then
  # Debian's nginx ships a default site; the image's own config replaces it.
  rm -f "$rootfs/etc/nginx/sites-enabled/default"
  mkdir -p "$rootfs/usr/share/nginx/html"
fi
rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
tar -C "$rootfs" -c . | podman import --quiet - "$image" >/dev/null
echo "make-base-image: built $image"
