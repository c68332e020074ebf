#!/usr/bin/env bash
# Successor of the seed's kubernetes/kubProvisioning.sh (which deleted and re-created the
# Deployment and Service: an outage on every run). Deploys one target without downtime:
# synthesize, validate, diff, server-side apply with prune, wait for the rollout, undo it on
# failure. All the work is done by `npm run deploy`; this is the familiar entry point.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: kubernetes/provision.sh [TARGET] [deploy options]

Deploys TARGET (default: dev) with `npm run deploy -- --env TARGET [options]`.
Examples:
  kubernetes/provision.sh                       # dev, the seed's NodePort site
  kubernetes/provision.sh prod --dry-run        # show what would change in prod
  kubernetes/provision.sh prod --image docker.io/mincloud1501/nginx:1.0.0@sha256:...
Run `npm run deploy -- --help` for the options, steps and exit codes.
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
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec npm run --silent deploy -- --env "$target" "$@"
