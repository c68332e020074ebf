#!/usr/bin/env bash
# Makes a local stand-in for the API's base image where no container registry is reachable:
# Debian bookworm with Debian's Node.js (v18), made by the site's base-image script
# (docker/ci/make-base-image.sh: debootstrap + podman import, skipped when the image exists).
# The Dockerfile builds on it unchanged (BASE_IMAGE=<this image>).
#
# Environment: API_BASE_IMAGE (default localhost/api-base:bookworm), MIRROR, CONTAINERS_CONF.
# Arguments (--force, --help) are passed on.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BASE_IMAGE="${API_BASE_IMAGE:-localhost/api-base:bookworm}" PACKAGES="nodejs,ca-certificates" \
  exec bash "$here/../../../docker/ci/make-base-image.sh" "$@"
