#!/usr/bin/env bash
# How fast a synth is, measured in one run on this machine with hyperfine:
#   (a) the cdk8s template's way, `npx ts-node main.ts` (type-checks the whole app every run;
#       without the NODE_OPTIONS of .npmrc, whose --import makes Node load a main module as an ES
#       module, which ts-node's require hook does not handle)
#   (b) this project's `npm run synth` (tsx runs the TypeScript, the validation plugins of
#       cdk8s.yaml run in-process), and `node --import tsx ... main.ts`, what npm runs for it
#   (c) `npx cdk8s synth`, the cdk8s CLI: the app, then the same plugins in the CLI's process;
#       and the same with --no-validate
#   (d) `kubectl kustomize` over the same YAML: an outside reference for "just emitting manifests"
#   (e) 10, 100 and 1000 generated services through the same constructs and pipeline, with and
#       without the validation plugins
#   (f) the watch loop (`npm run synth -- --watch`): from saving the app to a validated dist/,
#       for the app and for 1000 services (bench/synth/watch-latency.ts)
# Every synth writes one target (dev, or the generated one) and, but for --no-validate, (d) and
# the no-checks rows, validates it.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/synth/run.sh [--help]

Times each command RUNS times after one warm-up (hyperfine) and prints min and median of each,
the ratios to (b), the time per generated service, and the watch loop's figures. Writes only to
a temporary folder; dist/ is not touched. Takes about five minutes.

Environment:
  RUNS    timed runs per command (default 5)
  SIZES   numbers of generated services (default "10 100 1000")
  EDITS   saves timed in the watch loop (default 10)
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
edits="${EDITS:-10}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

measure() { # name command...
  local name="$1"; shift
  hyperfine --warmup 1 --runs "$runs" --export-json "$out/$name.json" --command-name "$name" "$@" >/dev/null
}

echo "synth benchmark: $runs runs each after a warm-up, $(nproc) cores, node $(node --version)"
measure a-template "env -u NODE_OPTIONS node_modules/.bin/ts-node main.ts --outdir $out/a"
measure b-npm-run-synth "npm run --silent synth -- --outdir $out/b"
measure b-node "node --import tsx --import ./synth/app-guard.ts main.ts --outdir $out/b"
measure b0-empty-caches --prepare "rm -rf $out/cache" \
  "env K8S_CHECKS_CACHE_DIR=$out/cache node --import tsx --import ./synth/app-guard.ts main.ts --outdir $out/b0"
measure c-cdk8s-synth "npx cdk8s synth --output $out/c"
measure c-cdk8s-synth-no-validate "npx cdk8s synth --no-validate --output $out/c"

mkdir -p "$out/kustomize"
cp "$out"/b/*.k8s.yaml "$out/kustomize/"
(cd "$out/kustomize" && { echo 'resources:'; for f in *.k8s.yaml; do echo "- $f"; done; } > kustomization.yaml)
kubectl="$(bash tools/k8s-binaries.sh)/kubectl"
measure d-kustomize "$kubectl kustomize $out/kustomize"

for n in $sizes; do
  measure "e-$n" "node --import tsx bench/synth/many-services.ts --services $n --outdir $out/e"
  measure "e-$n-no-checks" "node --import tsx bench/synth/many-services.ts --services $n --no-checks --outdir $out/e"
done

node --import tsx bench/synth/watch-latency.ts --edits "$edits" --services "${sizes##* }" > "$out/watch.jsonl"

node bench/synth/report.js "$out" "$sizes"
