#!/usr/bin/env bash
# Regenerates the typed classes of the custom resources the constructs use, offline, from the
# CRD files in crds/ (cdk8s import reads a local file without a network).
set -euo pipefail

out=imports
case "${1:-}" in
  --help|-h) echo "Usage: tools/import-crds.sh [--output DIR]    # crds/**/*.yaml -> DIR/<module>.ts (default imports)"; exit 0 ;;
  --output) mkdir -p "$2"; out="$(cd "$2" && pwd)" ;;
  "") ;;
  *) echo "import-crds: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CDK8S_CHECK_UPGRADE=false

# module name := CRD file (one module per file keeps two kinds of one API group apart)
specs=(
  "cert-manager-certificate:=crds/cert-manager/cert-manager.io_certificates.yaml"
  "traefik-ingressroute:=crds/traefik/traefik.io_ingressroutes.yaml"
  "traefik-middleware:=crds/traefik/traefik.io_middlewares.yaml"
  "prometheus-servicemonitor:=crds/prometheus-operator/monitoring.coreos.com_servicemonitors.yaml"
  "prometheus-rule:=crds/prometheus-operator/monitoring.coreos.com_prometheusrules.yaml"
  "knative-service:=crds/knative-serving/serving.knative.dev_services.yaml"
  "argocd-application:=crds/argo-cd/argoproj.io_applications.yaml"
  "argocd-appproject:=crds/argo-cd/argoproj.io_appprojects.yaml"
)
# The CLI takes one spec per run; the runs are independent, so they go side by side (the CLI
# itself, not npx, which would add a third of a second each).
cli=node_modules/cdk8s-cli/bin/cdk8s
[[ -f "$cli" ]] || { echo "import-crds: $cli is missing; run 'npm ci' first" >&2; exit 1; }
pids=()
for spec in "${specs[@]}"; do
  node "$cli" import "$spec" --output "$out" --no-save >/dev/null &
  pids+=($!)
done
failed=0
for i in "${!specs[@]}"; do
  spec="${specs[$i]}"
  if wait "${pids[$i]}"; then
    echo "import-crds: ${spec%%:=*} <- ${spec#*:=}"
  else
    echo "import-crds: importing ${spec#*:=} failed" >&2
    failed=1
  fi
done
exit $failed
