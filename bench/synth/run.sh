#!/usr/bin/env bash
# How fast a synth is, measured in one run on this machine with hyperfine, against the goals
# each row is for:
#   (a) the cdk8s template's way, `npx ts-node main.ts` (type-checks the whole app every run;
#       without the NODE_OPTIONS of .npmrc, whose --import makes Node load a main module as an ES
#       module, which ts-node's require hook does not handle)
#   (b) this project's `npm run synth` (the app compiled once by synth/compiled-entry.js and
#       run by plain Node, the validation plugins of cdk8s.yaml in-process); npm's own share of
#       it (`npm run env`: npm, a shell and a program that only prints); what npm runs for it;
#       the same with empty caches (after npm ci); and the same app run by tsx alone
#   (c) `npx cdk8s synth`, the cdk8s CLI: the app, then the same plugins in the CLI's process;
#       the same with --no-validate; and the CLI's own start-up, `npx cdk8s --version`
#   (d) `kubectl kustomize` over the same YAML: an outside reference for "just emitting manifests"
#   (e) generated services (default 10, 100, 1000 and 10 000) through the same constructs and
#       pipeline, with and without the validation plugins, and each one's peak memory
#   (f) the watch loop (`npm run synth -- --watch`): from saving the app to a validated dist/,
#       for the app and for 1000 services (bench/synth/watch-latency.ts)
#   (g) writing the YAML of 1000 services: cdk8s' Yaml.stringify against this project's
#       manifestYaml, in one process (bench/synth/yaml-writer.ts)
# Every synth writes one target (dev, or the generated one) and, but for --no-validate, (d) and
# the no-checks rows, validates it. The report (bench/synth/report.js) is printed and written to
# build/bench-synth.md, which CI keeps as an artifact.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/synth/run.sh [--help]

Times each command RUNS times after one warm-up (hyperfine) and prints min and median of each,
the ratios to (b), the time per generated service and peak memory, the watch loop's figures, and
each goal with the figures it is judged by. Writes the report to build/bench-synth.md (REPORT),
everything else to a temporary folder; dist/ is not touched. Takes about fifteen minutes.

Environment:
  RUNS       timed runs per command (default 5)
  SIZES      numbers of generated services (default "10 100 1000 10000")
  BIG_RUNS   timed runs for sizes of 5000 services and more, without warm-up (default 2)
  EDITS      saves timed in the watch loop (default 10)
  REPORT     where the report is written (default build/bench-synth.md)
USAGE
}
case "${1:-}" in
  "") ;;
  --help|-h) usage; exit 0 ;;
  *) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (tools/ensure-system-deps.sh installs it)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench: GNU time (/usr/bin/time) is missing, for peak memory (tools/ensure-system-deps.sh installs it)" >&2; exit 1; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
[[ -d node_modules ]] || { echo "bench: run 'npm ci' first" >&2; exit 1; }
runs="${RUNS:-5}"
sizes="${SIZES:-10 100 1000 10000}"
big_runs="${BIG_RUNS:-2}"
edits="${EDITS:-10}"
report="${REPORT:-build/bench-synth.md}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

measure() { # name command...
  local name="$1"; shift
  hyperfine --warmup 1 --runs "$runs" --export-json "$out/$name.json" --command-name "$name" "$@" >/dev/null
}

run_app="node synth/compiled-entry.js --import ./synth/app-guard.ts main.ts"
echo "synth benchmark: $runs runs each after a warm-up, $(nproc) cores, node $(node --version), load average $(cut -d' ' -f1-3 /proc/loadavg)" > "$out/header"
measure a-template "env -u NODE_OPTIONS node_modules/.bin/ts-node main.ts --outdir $out/a"
measure b-npm-run-synth "npm run --silent synth -- --outdir $out/b"
measure b-npm-floor "npm run --silent env"
measure b-node "$run_app --outdir $out/b"
measure b0-empty-caches --prepare "rm -rf $out/cache $out/compiled" \
  "env K8S_CHECKS_CACHE_DIR=$out/cache COMPILED_ENTRY_CACHE_DIR=$out/compiled $run_app --outdir $out/b0"
measure b-tsx "node --import tsx --import ./synth/app-guard.ts main.ts --outdir $out/bt"
measure c-cdk8s-synth "npx cdk8s synth --output $out/c"
measure c-cdk8s-synth-no-validate "npx cdk8s synth --no-validate --output $out/c"
measure c-cdk8s-version "npx cdk8s --version"

mkdir -p "$out/kustomize"
cp "$out"/b/*.k8s.yaml "$out/kustomize/"
(cd "$out/kustomize" && { echo 'resources:'; for f in *.k8s.yaml; do echo "- $f"; done; } > kustomization.yaml)
kubectl="$(bash tools/k8s-binaries.sh)/kubectl"
measure d-kustomize "$kubectl kustomize $out/kustomize"

# Each run's peak resident memory (GNU time's %M, in KiB) is appended to mem-<name>.
many() { # name services [--no-checks]
  local name="$1" n="$2"; shift 2
  local how=(--warmup 1 --runs "$runs")
  (( n >= 5000 )) && how=(--warmup 0 --runs "$big_runs")
  hyperfine "${how[@]}" --export-json "$out/$name.json" --command-name "$name" \
    "/usr/bin/time -a -o $out/mem-$name -f %M node synth/compiled-entry.js bench/synth/many-services.ts --services $n $* --outdir $out/e" >/dev/null
}
for n in $sizes; do
  many "e-$n" "$n"
  many "e-$n-no-checks" "$n" --no-checks
done

node synth/compiled-entry.js bench/synth/watch-latency.ts --edits "$edits" --services 1000 > "$out/watch.jsonl"
node synth/compiled-entry.js bench/synth/yaml-writer.ts --services 1000 --rounds "$runs" > "$out/yaml-writer.json"

mkdir -p "$(dirname "$report")"
{ cat "$out/header"; node bench/synth/report.js "$out" "$sizes"; } > "$report"
cat "$report"
echo "bench: report written to $report"
