#!/usr/bin/env bash
# How fast a synth is, measured in one run on this machine with hyperfine:
#   (a) the cdk8s template's way, `npx ts-node main.ts` (type-checks the whole app every time)
#   (b) this project's synth command, `npm run synth` (what users run), and what npm runs for it
#   (b0) the same with empty caches: the first synth after `npm ci`
#   (c) `kubectl kustomize` over the same YAML: an outside reference for "just emitting manifests"
#   (d) 10, 100 and 1000 generated services through the same constructs and pipeline, with and
#       without the schema and policy checks
# All of them write every target (or the generated one) and, but for (c), validate it.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/synth/run.sh [--help]

Times each command RUNS times after one warm-up (hyperfine) and prints min and median of
each, the ratio (a)/(b), and the time per generated service. Writes only to a temporary
folder; dist/ is not touched. Takes about three minutes.

Environment:
  RUNS    timed runs per command (default 5)
  SIZES   numbers of generated services (default "10 100 1000")
USAGE
}
case "${1:-}" in
  "") ;;
  --help|-h) usage; exit 0 ;;
  *) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (tools/ensure-system-deps.sh installs it)" >&2; exit 1; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
[[ -d node_modules ]] || { echo "bench: run 'npm ci' first" >&2; exit 1; }
runs="${RUNS:-5}"
sizes="${SIZES:-10 100 1000}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export CDK8S_CHECK_UPGRADE=false

measure() { # name command...
  local name="$1"; shift
  hyperfine --warmup 1 --runs "$runs" --export-json "$out/$name.json" --command-name "$name" "$@" >/dev/null
}

echo "synth benchmark: $runs runs each after a warm-up, $(nproc) cores, node $(node --version)"
measure a-template "npx --no-install ts-node main.ts --outdir $out/a"
measure b-npm-run-synth "npm run --silent synth -- --outdir $out/b"
measure b-node "node -r ./tools/ts-run/register.js main.ts --outdir $out/b"
measure b0-empty-caches --prepare "rm -rf $out/cache" \
  "env MINCLOUD_CACHE_DIR=$out/cache K8S_CHECKS_CACHE_DIR=$out/cache/k8s-checks node -r ./tools/ts-run/register.js main.ts --outdir $out/b0"

mkdir -p "$out/kustomize"
cp "$out"/b/*/*.k8s.yaml "$out/kustomize/"
(cd "$out/kustomize" && { echo 'resources:'; for f in *.k8s.yaml; do echo "- $f"; done; } > kustomization.yaml)
kubectl="$(bash tools/k8s-binaries.sh)/kubectl"
measure c-kustomize "$kubectl kustomize $out/kustomize"

for n in $sizes; do
  measure "d-$n" "node -r ./tools/ts-run/register.js bench/synth/many-services.ts --services $n --outdir $out/d"
  measure "d-$n-no-checks" "node -r ./tools/ts-run/register.js bench/synth/many-services.ts --services $n --no-checks --outdir $out/d"
done

node bench/synth/report.js "$out" "$sizes"
node bench/synth/module-costs.js
