#!/usr/bin/env bash
# Requests per second of the shipped docker/nginx.conf against Debian's stock nginx.conf, both
# serving the same site (precompressed as the image does) with the same nginx binary, as the
# same non-root user, on 127.0.0.1, in the same run. Rounds alternate between the two to
# spread machine noise evenly; each round gives a ratio, and the median ratio is reported.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/nginx/run.sh [--help]

Environment: ROUNDS (default 5), DURATION seconds per round (default 8), CONNECTIONS
(default 128), THREADS for wrk (default 2). Prints requests/s and the ratio shipped/stock
of each round, the medians, and the median ratio.
USAGE
}
[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { usage; exit 0; }

rounds="${ROUNDS:-5}"
duration="${DURATION:-8}"
connections="${CONNECTIONS:-128}"
threads="${THREADS:-2}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
uid=10101

for tool in nginx wrk setpriv; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is missing (tools/ensure-system-deps.sh installs it)" >&2; exit 1; }
done
[[ -f /etc/nginx/nginx.conf ]] || { echo "bench: Debian's stock /etc/nginx/nginx.conf is missing (apt-get install nginx)" >&2; exit 1; }

work="$(mktemp -d)"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -QUIT "$pid" 2>/dev/null || true; done
  sleep 0.3
  rm -rf "$work"
}
trap cleanup EXIT

# The site, compressed as docker/Dockerfile does.
cp -r "$root/docker/site" "$work/html"
find "$work/html" -type f \( -name '*.html' -o -name '*.css' -o -name '*.js' -o -name '*.svg' \) -exec gzip -9 -k -n -f {} +
css="/assets/$(basename "$(ls "$work"/html/assets/*.css)")"
js="/assets/$(basename "$(ls "$work"/html/assets/*.js)")"

# shipped: docker/nginx.conf with the test substitutions (ports, /tmp, web root).
mkdir -p "$work/shipped/run"
cp -r "$root/docker/mincloud" "$work/shipped/"
cp /etc/nginx/mime.types "$work/shipped/"
sed -e "s#listen 8080 default_server;#listen 127.0.0.1:18100 default_server;#" \
    -e "s#listen 127.0.0.1:8081;#listen 127.0.0.1:18101;#" \
    -e "s#/tmp/#$work/shipped/run/#g" \
    -e "s#root /usr/share/nginx/html;#root $work/html;#" \
    "$root/docker/nginx.conf" > "$work/shipped/nginx.conf"
# Access logs go to stdout in the image; here to a file, as a container runtime does.
sed -i "s#access_log /dev/stdout#access_log $work/shipped/run/access.log#; s#error_log /dev/stderr#error_log $work/shipped/run/error.log#" "$work/shipped/nginx.conf"

# stock: Debian's nginx.conf as installed, its sites-enabled replaced by the default site
# pointed at the same files; pid and logs moved to writable paths.
mkdir -p "$work/stock/run"
sed -e "s#^user .*##" \
    -e "s#^pid .*#pid $work/stock/run/nginx.pid;#" \
    -e "s#include /etc/nginx/modules-enabled/\*.conf;##" \
    -e "s#access_log .*#access_log $work/stock/run/access.log;#" \
    -e "s#error_log .*#error_log $work/stock/run/error.log;#" \
    -e "s#include /etc/nginx/sites-enabled/\*;#include $work/stock/site.conf;#" \
    -e "s#include /etc/nginx/conf.d/\*.conf;##" \
    /etc/nginx/nginx.conf > "$work/stock/nginx.conf"
cat > "$work/stock/site.conf" <<SITE
server {
  listen 127.0.0.1:18102 default_server;
  root $work/html;
  index index.html;
  server_name _;
  location / { try_files \$uri \$uri/ =404; }
}
SITE
# A non-root nginx cannot use the compiled-in temp folders under /var/lib/nginx.
sed -i "s#^http {#http {\n\tclient_body_temp_path $work/stock/run/body;\n\tproxy_temp_path $work/stock/run/proxy;\n\tfastcgi_temp_path $work/stock/run/fastcgi;\n\tuwsgi_temp_path $work/stock/run/uwsgi;\n\tscgi_temp_path $work/stock/run/scgi;#" "$work/stock/nginx.conf"
chown -R "$uid:$uid" "$work/shipped/run" "$work/stock/run"
chmod -R a+rX "$work"

start() { # dir port
  setpriv --reuid=$uid --regid=$uid --clear-groups nginx -p "$work/$1" -c "$work/$1/nginx.conf" -g 'daemon off;' \
    >"$work/$1/run/stdout.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$2/" 2>/dev/null && return 0; sleep 0.05; done
  echo "bench: nginx ($1) did not start:" >&2; cat "$work/$1/run/stdout.log" "$work/$1/run/error.log" >&2 2>/dev/null || true; exit 1
}
start shipped 18100
start stock 18102

measure() { # port
  wrk -t"$threads" -c"$connections" -d"${duration}s" -s "$here/mix.lua" "http://127.0.0.1:$1" / "$css" "$js" /favicon.svg \
    | awk '/^Requests\/sec:/ { print $2 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "bench: nginx $(nginx -v 2>&1 | sed 's/.*\///'), wrk -t$threads -c$connections -d${duration}s, $rounds rounds, mix: / $css $js /favicon.svg (gzip)"
shipped=()
stock=()
ratios=()
for r in $(seq 1 "$rounds"); do
  s="$(measure 18100)"; shipped+=("$s")
  b="$(measure 18102)"; stock+=("$b")
  q="$(awk -v a="$s" -v b="$b" 'BEGIN { printf "%.3f", a / b }')"; ratios+=("$q")
  printf 'round %d: shipped %10.0f req/s   stock %10.0f req/s   ratio %.2f\n' "$r" "$s" "$b" "$q"
done
ms="$(printf '%s\n' "${shipped[@]}" | median)"
mb="$(printf '%s\n' "${stock[@]}" | median)"
printf 'median:  shipped %10.0f req/s   stock %10.0f req/s\n' "$ms" "$mb"
# Each round pairs two back-to-back measurements, so the median of the per-round ratios is
# less sensitive to the machine drifting between rounds than the ratio of the medians.
printf 'ratio shipped/stock (median of rounds): %.2f\n' "$(printf '%s\n' "${ratios[@]}" | median)"
