#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it: brings what it needs (npm packages, Debian
# packages), type-checks while it runs every jest suite (unit, snapshot, schema, policy, real
# nginx, real image build, headless Chromium, delivery tools), prints `tests: N passed, M failed`.
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

mkdir -p build
# The workspace package's build first: its declarations (packages/k8s-checks/lib) are what the
# type-check reads for `from 'k8s-checks'`, so they must not be rewritten while it reads them.
# jest's globalSetup builds it again, which then has nothing to do (a second).
build_rc=0
npm run build --workspaces --if-present --silent || build_rc=$?

# The type-check runs beside jest, not before it: its output is kept and shown once jest is done,
# and a type error still fails the run. `tsc -b` checks the project as `tsc -p tsconfig.json`
# does, with the same build info, but when no source has changed since the last check it says so
# in under a second instead of reading every declaration again (~20 s). It judges by the
# project's own files only, so after an install the next check is made afresh.
tsc_info=build/tsc/tsconfig.tsbuildinfo
if [[ -f "$tsc_info" && node_modules/.package-lock.json -nt "$tsc_info" ]]; then rm -f "$tsc_info"; fi
# Nor does it look at the workspace packages' declarations: when one was built since, check afresh.
if [[ -f "$tsc_info" ]] && [[ -n "$(find packages/*/lib -name '*.d.ts' -newer "$tsc_info" -print -quit 2>/dev/null)" ]]; then rm -f "$tsc_info"; fi
tsc_log=build/typecheck.log
echo "typecheck: tsc --noEmit (strict), beside jest"
npx tsc -b tsconfig.json >"$tsc_log" 2>&1 &
tsc_pid=$!

results=build/jest-results.json
rm -f "$results"
npx jest --ci --json --outputFile="$results" "$@"
jest_rc=$?

typecheck=$build_rc
wait "$tsc_pid" || typecheck=$?
if [[ $typecheck -ne 0 ]]; then
  cat "$tsc_log"
  echo "test: type errors (tsc output above)" >&2
  jest_rc=1
else
  echo "typecheck: no type errors"
fi
# The whole command's wall time (bash counts SECONDS from the start), before the summary's last line.
echo "npm test: ${SECONDS} s wall in all (packages and type-check included)"
node tools/jest-summary.js "$results" || jest_rc=1
exit $jest_rc
