#!/bin/sh
# The image's entrypoint: nginx in the foreground, logging errors to stderr from its first line
# (`-e stderr`: the compiled-in error log under /var/log is not writable on a read-only root).
#
# By default it runs /etc/nginx/nginx.conf as shipped: the site on port 8080, stub_status on
# 127.0.0.1:8081. Where those ports cannot be used (the host network namespace, e.g.
# `--network host` on a machine whose 8080 is taken), two variables move them:
#   SITE_LISTEN    replaces `listen 8080`, e.g. 127.0.0.1:18888 or 9090
#   STATUS_LISTEN  replaces `listen 127.0.0.1:8081`, e.g. 127.0.0.1:18889
# The config is then rendered to /tmp/nginx-conf/ (the only writable path) and run from there;
# everything else in it is unchanged. The healthcheck follows SITE_LISTEN.
# Arguments are passed on to nginx (e.g. `-T` to print the configuration and exit).
set -eu

conf=/etc/nginx/nginx.conf

check_listen() { # NAME VALUE: [address:]port, address IPv4, [IPv6] or a name
  case "$2" in
    ''|*[!0-9A-Za-z.:_\[\]-]*|*:)
      echo "start-nginx: $1 '$2' is not a listen address; use PORT or ADDRESS:PORT, e.g. 127.0.0.1:18888" >&2
      exit 64 ;;
  esac
}

if [ -n "${SITE_LISTEN:-}${STATUS_LISTEN:-}" ]; then
  rendered=/tmp/nginx-conf
  mkdir -p "$rendered"
  # Relative includes (mime.types, mincloud/...) resolve against the config file's folder.
  ln -sfn /etc/nginx/mime.types "$rendered/mime.types"
  ln -sfn /etc/nginx/mincloud "$rendered/mincloud"
  site=8080
  status=127.0.0.1:8081
  if [ -n "${SITE_LISTEN:-}" ]; then
    check_listen SITE_LISTEN "$SITE_LISTEN"
    site="$SITE_LISTEN"
  fi
  if [ -n "${STATUS_LISTEN:-}" ]; then
    check_listen STATUS_LISTEN "$STATUS_LISTEN"
    status="$STATUS_LISTEN"
  fi
  # Only the address:port word of the two listen lines changes (their flags stay).
  sed -e "s/^\( *listen \)8080\([ ;]\)/\1$site\2/" -e "s/^\( *listen \)127\.0\.0\.1:8081\([ ;]\)/\1$status\2/" \
    "$conf" > "$rendered/nginx.conf"
  for word in "listen $site" "listen $status"; do
    grep -qF "$word" "$rendered/nginx.conf" \
      || { echo "start-nginx: $conf has no 'listen 8080' / 'listen 127.0.0.1:8081' line to move" >&2; exit 70; }
  done
  conf="$rendered/nginx.conf"
fi

exec nginx -e stderr -c "$conf" -g 'daemon off;' "$@"
