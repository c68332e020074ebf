#!/usr/bin/env bash
# Makes a local stand-in for the API's base image where no container registry is reachable:
# Debian bookworm with Debian's Node.js (v18), made by the site's base-image script
# (docker/ci/make-base-image.sh: debootstrap + podman import, skipped when the image exists).
# The Dockerfile builds on it unchanged (BASE_IMAGE=<this image>).
#
# The packages are pinned: debootstrap takes names only, so the image's versions are checked
# against the pins below after it is made (or found), and a mismatch is an error. Debian's point
# releases move bookworm's versions; check a new one (apt-cache policy nodejs), then update the
# pin and remake the image with --force.
#
# Environment: API_BASE_IMAGE (default localhost/api-base:bookworm), MIRROR, CONTAINERS_CONF,
# PINNED_PACKAGES (default below: "name=version ...").
# Arguments (--force, --help) are passed on.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image="${API_BASE_IMAGE:-localhost/api-base:bookworm}"
# Debian bookworm's own, as of its 12.x point release this was last checked against.
pinned="${PINNED_PACKAGES:-nodejs=18.20.4+dfsg-1~deb12u2 ca-certificates=20230311+deb12u1}"

names=()
for pin in $pinned; do
  [[ "$pin" =~ ^[a-z0-9][a-z0-9+.-]*=[A-Za-z0-9.+~:-]+$ ]] \
    || { echo "make-base-image: PINNED_PACKAGES entry '$pin' is not name=version (e.g. nodejs=18.20.4+dfsg-1~deb12u2)" >&2; exit 2; }
  names+=("${pin%%=*}")
done
for arg in "$@"; do
  if [[ "$arg" == --help || "$arg" == -h ]]; then
    cat <<USAGE
Usage: services/api/ci/make-base-image.sh [--force] [--help]

Creates the podman image \$API_BASE_IMAGE (default localhost/api-base:bookworm): debootstrap
bookworm with the pinned packages, unless it exists (--force remakes it), then checks that the
image has exactly the pinned versions; exit 1 when it does not, 2 for a malformed pin.

Pinned (PINNED_PACKAGES to override): $pinned
Needs root, debootstrap and podman. MIRROR overrides the Debian mirror.
USAGE
    exit 0
  fi
done

BASE_IMAGE="$image" PACKAGES="$(IFS=,; echo "${names[*]}")" bash "$here/../../../docker/ci/make-base-image.sh" "$@"

export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/../../../docker/containers.conf}"
installed="$(podman run --rm --pull never --network none --entrypoint dpkg-query "$image" -W -f '${Package}=${Version}\n' "${names[@]}")"
for pin in $pinned; do
  if ! grep -qxF -- "$pin" <<<"$installed"; then
    have="$(grep -E "^${pin%%=*}=" <<<"$installed" || echo "${pin%%=*} not installed")"
    echo "make-base-image: $image has $have, not the pinned $pin; remake it with --force from a mirror that has the pinned version, or check the new version and update the pin in ${BASH_SOURCE[0]#"$PWD"/}" >&2
    exit 1
  fi
done
echo "make-base-image: $image has the pinned $pinned"
