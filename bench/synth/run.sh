#!/usr/bin/env bash
# How long a synth takes: `npm run synth`'s way (the app run directly with ts-node
# transpile-only, atomic output, schema and policy checks included) against the cdk8s CLI's way
# (`cdk8s synth`, the same app and checks behind the CLI), same machine, same run, with
# hyperfine. Prints both means and the ratio CLI/direct.
set -euo pipefail

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "Usage: bench/synth/run.sh    # RUNS (default 5)"
  exit 0
fi
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (tools/ensure-system-deps.sh installs it)" >&2; exit 1; }
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export CDK8S_CHECK_UPGRADE=false

hyperfine --warmup 1 --runs "${RUNS:-5}" --export-json "$out/result.json" \
  -n direct "node -r ts-node/register/transpile-only main.ts --outdir $out/direct" \
  -n cdk8s-cli "npx --no-install cdk8s synth --output $out/cli" >/dev/null
node -e '
  const r = require(process.argv[1]).results;
  const [direct, cli] = r.map((x) => x.mean);
  console.log(`synth (all targets, validated): npm run synth ${direct.toFixed(2)} s, cdk8s synth ${cli.toFixed(2)} s`);
  console.log(`ratio cdk8s-cli/direct: ${(cli / direct).toFixed(2)}`);
' "$out/result.json"
