#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real (nginx, podman, Chromium, wrk,
# ...) when they are missing. Safe to run again: it installs nothing that is already there.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: tools/ensure-system-deps.sh [--help]

Installs, with apt-get, the Debian packages that the tests and benchmarks use and that are
not installed yet. Needs root (or passwordless sudo) when something is missing.
USAGE
}
[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { usage; exit 0; }

# package -> why it is needed
PACKAGES=(
  nginx            # real nginx for the config tests, the /api proxy test and the chart repository
  podman buildah runc slirp4netns uidmap fuse-overlayfs  # building and running the site image
  debootstrap      # a local nginx base image (no container registry is reachable)
  chromium         # screenshot and console/CSP check of the served page
  wrk hyperfine valgrind time  # benchmarks (valgrind: instructions per request, bench/nginx; time: peak memory, bench/synth)
  docker-registry  # a local registry on 127.0.0.1 for the push test
  curl unzip git procps
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "system packages: all present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "ensure-system-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: installed ${missing[*]}"
