#!/bin/sh
# The image's HEALTHCHECK: GET /healthz on the site's port (8080, or SITE_LISTEN's), from
# inside the container. Exits 0 when nginx answers 200.
set -eu

listen="${SITE_LISTEN:-8080}"
case "$listen" in
  \[*\]:*) host="${listen%:*}"; port="${listen##*:}" ;;   # [::1]:8080
  *:*)     host="${listen%:*}"; port="${listen##*:}" ;;   # 127.0.0.1:8080
  *)       host=127.0.0.1; port="$listen" ;;              # 8080
esac
case "$host" in
  ''|'*'|0.0.0.0) host=127.0.0.1 ;;
  '[::]') host='[::1]' ;;
esac

exec curl -fsS -o /dev/null --max-time 2 "http://$host:$port/healthz"
