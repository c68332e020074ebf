#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it: brings what it needs (npm packages, Debian
# packages), type-checks, runs every jest suite (unit, snapshot, schema, policy, real nginx,
# real image build, headless Chromium, delivery tools) and prints `tests: N passed, M failed`.
# Extra arguments go to jest, e.g. `npm test -- lib/web-service`.
set -uo pipefail

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash tools/ensure-system-deps.sh || { echo "test: could not install the system packages the tests need" >&2; exit 1; }
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "npm packages: installing (npm ci)"
  npm ci --no-audit --no-fund || { echo "test: npm ci failed" >&2; exit 1; }
fi

typecheck=0
echo "typecheck: tsc --noEmit (strict)"
npx tsc -p tsconfig.json || typecheck=$?

mkdir -p build
results=build/jest-results.json
rm -f "$results"
npx jest --ci --json --outputFile="$results" "$@"
jest_rc=$?

node tools/jest-summary.js "$results" || jest_rc=1
if [[ $typecheck -ne 0 ]]; then
  echo "test: type errors (see tsc output above)" >&2
  exit 1
fi
exit $jest_rc
