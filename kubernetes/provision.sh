#!/usr/bin/env bash
# Successor of the seed's kubernetes/kubProvisioning.sh (which deleted and re-created the
# Deployment and the Service: an outage on every run). Deploys one target without downtime
# through `npm run deploy`: it first shows the diff and asks before applying, unless --yes
# (without a terminal to ask on, it refuses unless --yes). The deploy then checks the clusters
# and installs or upgrades the target's Helm release (helm 4: server-side apply, waiting on
# every resource, the whole release rolled back on failure). Options and exit codes:
# npm run deploy -- --help.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: kubernetes/provision.sh [TARGET] [--yes] [deploy options]

Deploys TARGET (default: dev) with `npm run deploy -- --target TARGET [options]`: shows what would
change (the deploy's --dry-run), asks "Apply these changes?", and deploys on "y".
  --yes, -y     deploy without asking (for scripts and CI). Without a terminal to ask on,
                provision.sh refuses to deploy unless --yes is given.
--dry-run, --history and --help go to npm run deploy as they are (nothing to confirm).
Examples:
  kubernetes/provision.sh                       # dev, the seed's NodePort site; asks first
  kubernetes/provision.sh prod --dry-run        # show what would change in prod
  kubernetes/provision.sh prod --yes --image docker.io/mincloud1501/nginx:1.0.0@sha256:...
  kubernetes/provision.sh prod --cluster prod-us --rollback   # the revision before; asks first
Run `npm run deploy -- --help` for the options and exit codes.
USAGE
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
esac
target="dev"
if [[ $# -gt 0 && "$1" != -* ]]; then
  target="$1"
  shift
fi
yes=0
nothing_to_confirm=0
args=()
for arg in "$@"; do
  case "$arg" in
    --yes|-y) yes=1 ;;
    --dry-run|--history|--help|-h) nothing_to_confirm=1; args+=("$arg") ;;
    *) args+=("$arg") ;;
  esac
done
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if (( nothing_to_confirm || yes )); then
  exec npm run --silent deploy -- --target "$target" "${args[@]}"
fi
if [[ ! -t 0 ]]; then
  echo "provision.sh: no terminal to ask on before deploying target $target; pass --yes to deploy without asking (or --dry-run to only see the changes)" >&2
  exit 1
fi
npm run --silent deploy -- --target "$target" "${args[@]}" --dry-run
read -r -p "Apply these changes to target $target? [y/N] " answer
case "$answer" in
  y|Y|yes|YES) ;;
  *) echo "provision.sh: not deployed (answer y to deploy)"; exit 1 ;;
esac
exec npm run --silent deploy -- --target "$target" "${args[@]}"
