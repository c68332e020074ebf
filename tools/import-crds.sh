#!/usr/bin/env bash
# Regenerates the typed classes of the custom resources the constructs use, offline, from the
# CRD files in crds/ (cdk8s import reads a local file without a network).
set -euo pipefail

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "Usage: tools/import-crds.sh    # crds/**/*.yaml -> imports/<module>.ts"
  exit 0
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CDK8S_CHECK_UPGRADE=false

# module name := CRD file (one module per file keeps two kinds of one API group apart)
specs=(
  "cert-manager-certificate:=crds/cert-manager/cert-manager.io_certificates.yaml"
  "traefik-ingressroute:=crds/traefik/traefik.io_ingressroutes.yaml"
  "traefik-middleware:=crds/traefik/traefik.io_middlewares.yaml"
  "prometheus-servicemonitor:=crds/prometheus-operator/monitoring.coreos.com_servicemonitors.yaml"
  "prometheus-rule:=crds/prometheus-operator/monitoring.coreos.com_prometheusrules.yaml"
)
for spec in "${specs[@]}"; do
  npx --no-install cdk8s import "$spec" --output imports --no-save >/dev/null
  echo "import-crds: ${spec%%:=*} <- ${spec#*:=}"
done
