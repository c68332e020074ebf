#!/usr/bin/env bash
# Requests per second of the shipped docker/nginx.conf against Debian's stock nginx.conf, both
# serving the same site (precompressed as the image does) with the same nginx binary, the same
# number of worker processes, as the same non-root user, on 127.0.0.1, in the same run, driven
# by the same wrk command (a browser's request mix, with gzip). Rounds alternate between the two
# to spread machine noise evenly; each round gives a ratio, and the median ratio is reported.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/nginx/run.sh [--help]

Starts two nginx servers on 127.0.0.1 (ports the OS picks, so two runs can share a machine): the shipped docker/nginx.conf and
Debian's stock /etc/nginx/nginx.conf pointed at the same copy of docker/site. Checks that both
answer 200 to every request of the mix, then runs wrk against each in turn and prints
requests/s and the workers' CPU time per request of each round, the medians and the median
ratio shipped/stock. Requests come from 16384 client addresses (X-Forwarded-For, mix.lua),
which the shipped config believes from 127.0.0.1 as from a trusted proxy. Both servers are
stopped at the end, also on failure or Ctrl-C. Takes about 2 x ROUNDS x DURATION + 5 seconds
(80 s by default), and a minute more for the instruction count.

Then, unless INSTRUCTIONS=0, it counts the instructions nginx executes per request, which no
other load on the machine changes: each config once more as a single process (no master, one
worker) under valgrind's callgrind, serving 500 and then 2500 requests of the same mix
(bench/nginx/fixed-requests.js); the difference over 2000 requests is the count per request
(user space; the kernel's part, about half the CPU time, is the same system calls for both).

Environment:
  ROUNDS        rounds, each measuring both servers (default 9)
  DURATION      seconds of wrk per server per round (default 4)
  CONNECTIONS   wrk connections (default 128)
  THREADS       wrk threads (default 2)
  SHIPPED_CONF  the config measured as "shipped" (default docker/nginx.conf; to try a variant)
  INSTRUCTIONS  1: count instructions per request with callgrind (default; needs valgrind); 0: not
USAGE
}
case "${1:-}" in
  "") ;;
  --help|-h) usage; exit 0 ;;
  *) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds="${ROUNDS:-9}"
duration="${DURATION:-4}"
connections="${CONNECTIONS:-128}"
threads="${THREADS:-2}"
shipped_conf="${SHIPPED_CONF:-$root/docker/nginx.conf}"
uid=10101
for var in ROUNDS DURATION CONNECTIONS THREADS; do
  value="${!var:-1}"
  [[ "$value" =~ ^[1-9][0-9]{0,4}$ ]] || { echo "bench: $var '$value' is not allowed; use a whole number from 1 to 99999" >&2; exit 2; }
done
[[ -f "$shipped_conf" ]] || { echo "bench: SHIPPED_CONF '$shipped_conf' is not a file" >&2; exit 2; }

for tool in nginx wrk setpriv curl; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is missing (tools/ensure-system-deps.sh installs it)" >&2; exit 1; }
done
[[ -f /etc/nginx/nginx.conf ]] || { echo "bench: Debian's stock /etc/nginx/nginx.conf is missing (apt-get install nginx)" >&2; exit 1; }
[[ $EUID -eq 0 ]] || { echo "bench: run as root: it starts nginx as uid $uid with setpriv" >&2; exit 1; }

# Ports the operating system picks (listen on port 0): never fixed numbers, so two checkouts
# can run this (or the test suite) at the same time.
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
ship_port="$(free_port)"; ship_status_port="$(free_port)"; stock_port="$(free_port)"
while [[ "$ship_status_port" == "$ship_port" ]]; do ship_status_port="$(free_port)"; done
while [[ "$stock_port" == "$ship_port" || "$stock_port" == "$ship_status_port" ]]; do stock_port="$(free_port)"; done

work="$(mktemp -d)"
chmod 755 "$work"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -QUIT "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The site, compressed as docker/Dockerfile does.
cp -r "$root/docker/site" "$work/html"
find "$work/html" -type f \( -name '*.html' -o -name '*.css' -o -name '*.js' -o -name '*.svg' \) -exec gzip -9 -k -n -f {} +
css="/assets/$(basename "$(ls "$work"/html/assets/*.css)")"
js="/assets/$(basename "$(ls "$work"/html/assets/*.js)")"
paths=(/ "$css" "$js" /favicon.svg)

# shipped: the config with the test substitutions (ports, /tmp, web root; see
# test/image/support/nginx.ts); logs to files, as a container runtime writes stdout to a file.
mkdir -p "$work/shipped/run"
cp -r "$root/docker/mincloud" "$work/shipped/"
cp /etc/nginx/mime.types "$work/shipped/"
sed -e "s#listen 8080 #listen 127.0.0.1:$ship_port #" \
    -e "s#listen 127.0.0.1:8081;#listen 127.0.0.1:$ship_status_port;#" \
    -e "s#/tmp/#$work/shipped/run/#g" \
    -e "s#root /usr/share/nginx/html;#root $work/html;#" \
    -e "s#access_log /dev/stdout#access_log $work/shipped/run/access.log#" \
    -e "s#error_log /dev/stderr#error_log $work/shipped/run/error.log#" \
    "$shipped_conf" > "$work/shipped/nginx.conf"
# wrk connects from 127.0.0.1 and names a client per request in X-Forwarded-For (mix.lua): the
# shipped config trusts 127.0.0.1 as its proxy here, as a deployment trusts its ingress, so its
# per-client limits apply to those clients (each far below them), not to wrk as one client.
echo 'set_real_ip_from 127.0.0.1;' > "$work/shipped/mincloud/http.d/bench-real-ip.conf"
for must in "127.0.0.1:$ship_port" "root $work/html;" "access_log $work/shipped/run/access.log"; do
  grep -qF "$must" "$work/shipped/nginx.conf" || { echo "bench: $shipped_conf changed shape: could not substitute '$must'" >&2; exit 1; }
done
workers="$(awk '$1 == "worker_processes" { gsub(";", "", $2); print $2 }' "$work/shipped/nginx.conf")"
[[ "$workers" =~ ^[0-9]+$ ]] || { echo "bench: the shipped config's worker_processes is '$workers', not a number" >&2; exit 1; }

# stock: Debian's nginx.conf as installed, with only what running it here needs: no `user`
# (it runs as uid 10101), pid, logs and temp folders in writable places, its sites-enabled
# replaced by Debian's default site pointed at the same files, and `worker_processes auto`
# replaced by the shipped config's number so that both run the same number of workers.
mkdir -p "$work/stock/run"
sed -e "s#^user .*##" \
    -e "s#^worker_processes .*#worker_processes $workers;#" \
    -e "s#^pid .*#pid $work/stock/run/nginx.pid;#" \
    -e "s#include /etc/nginx/modules-enabled/\*.conf;##" \
    -e "s#access_log .*#access_log $work/stock/run/access.log;#" \
    -e "s#error_log .*#error_log $work/stock/run/error.log;#" \
    -e "s#include /etc/nginx/sites-enabled/\*;#include $work/stock/site.conf;#" \
    -e "s#include /etc/nginx/conf.d/\*.conf;##" \
    /etc/nginx/nginx.conf > "$work/stock/nginx.conf"
cat > "$work/stock/site.conf" <<SITE
server {
  listen 127.0.0.1:$stock_port default_server;
  root $work/html;
  index index.html;
  server_name _;
  location / { try_files \$uri \$uri/ =404; }
}
SITE
sed -i "s#^http {#http {\n\tclient_body_temp_path $work/stock/run/body;\n\tproxy_temp_path $work/stock/run/proxy;\n\tfastcgi_temp_path $work/stock/run/fastcgi;\n\tuwsgi_temp_path $work/stock/run/uwsgi;\n\tscgi_temp_path $work/stock/run/scgi;#" "$work/stock/nginx.conf"
chown -R "$uid:$uid" "$work/shipped/run" "$work/stock/run"
chmod -R a+rX "$work"

start() { # name port
  setpriv --reuid=$uid --regid=$uid --clear-groups nginx -e "$work/$1/run/error.log" -p "$work/$1" -c "$work/$1/nginx.conf" \
    -g 'daemon off;' >"$work/$1/run/stdout.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$2/" 2>/dev/null && return 0; sleep 0.05; done
  echo "bench: nginx ($1) did not start:" >&2
  cat "$work/$1/run/stdout.log" "$work/$1/run/error.log" >&2 2>/dev/null || true
  exit 1
}
start shipped "$ship_port"
start stock "$stock_port"

# Both must answer every request of the mix with 200: errors would be cheap and inflate req/s.
echo "bench: nginx $(nginx -v 2>&1 | sed 's/.*\///'), $workers workers each; what each server sends for the mix (Accept-Encoding: gzip):"
for p in "${paths[@]}"; do
  line="$(printf '  %-32s' "$p")"
  for s in "shipped:$ship_port" "stock:$stock_port"; do
    out="$(curl -sS -o /dev/null -H 'Accept-Encoding: gzip, deflate, br' -w '%{http_code} %{size_download} %header{content-encoding}' "http://127.0.0.1:${s#*:}$p")"
    read -r code size enc <<<"$out"
    [[ "$code" == 200 ]] || { echo "bench: ${s%%:*} answered $code to $p" >&2; exit 1; }
    line+="$(printf '%-8s %6s bytes %-5s   ' "${s%%:*}" "$size" "${enc:-none}")"
  done
  echo "$line"
done

# CPU time (clock ticks) the workers of the nginx whose master is PID have used so far.
worker_ticks() {
  local total=0 w
  for w in $(ps -o pid= --ppid "$1"); do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$w/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
ticks_per_second="$(getconf CLK_TCK)"

measure() { # port master-pid [seconds]: prints "requests/s microseconds-of-worker-CPU-per-request"
  local out before after
  before="$(worker_ticks "$2")"
  out="$(wrk -t"$threads" -c"$connections" -d"${3:-$duration}s" -s "$here/mix.lua" "http://127.0.0.1:$1" "${paths[@]}")"
  after="$(worker_ticks "$2")"
  if grep -q 'Non-2xx or 3xx responses' <<<"$out"; then
    echo "bench: errors from 127.0.0.1:$1:" >&2; echo "$out" >&2; exit 1
  fi
  awk -v t=$((after - before)) -v hz="$ticks_per_second" '/requests in/ { n = $1 } /^Requests\/sec:/ { r = $2 } END { printf "%s %.2f\n", r, t * 1e6 / hz / n }' <<<"$out"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

measure "$ship_port" "${pids[0]}" 1 >/dev/null # warm-up: caches, connections
measure "$stock_port" "${pids[1]}" 1 >/dev/null
echo "bench: wrk -t$threads -c$connections -d${duration}s, $rounds rounds, mix: ${paths[*]}"
shipped=()
stock=()
ratios=()
shipped_cpu=()
stock_cpu=()
for r in $(seq 1 "$rounds"); do
  # Which server goes first alternates, so a drift of the machine during a round does not
  # always favour the same one.
  if (( r % 2 )); then
    read -r s sc < <(measure "$ship_port" "${pids[0]}"); read -r b bc < <(measure "$stock_port" "${pids[1]}")
  else
    read -r b bc < <(measure "$stock_port" "${pids[1]}"); read -r s sc < <(measure "$ship_port" "${pids[0]}")
  fi
  shipped+=("$s"); stock+=("$b"); shipped_cpu+=("$sc"); stock_cpu+=("$bc")
  q="$(awk -v a="$s" -v b="$b" 'BEGIN { printf "%.3f", a / b }')"; ratios+=("$q")
  printf 'round %d: shipped %10.0f req/s %6.2f us CPU/req   stock %10.0f req/s %6.2f us CPU/req   ratio %.2f\n' "$r" "$s" "$sc" "$b" "$bc" "$q"
done
ms="$(printf '%s\n' "${shipped[@]}" | median)"
mb="$(printf '%s\n' "${stock[@]}" | median)"
printf 'median:  shipped %10.0f req/s   stock %10.0f req/s\n' "$ms" "$mb"
# nginx's own CPU time per request (its workers' user + system time over the requests wrk
# counted): unlike requests/s it hardly depends on what else the machine is doing.
printf 'worker CPU per request (median): shipped %.2f us   stock %.2f us\n' "$(printf '%s\n' "${shipped_cpu[@]}" | median)" "$(printf '%s\n' "${stock_cpu[@]}" | median)"
# Each round pairs two back-to-back measurements, so the median of the per-round ratios is
# less sensitive to the machine drifting between rounds than the ratio of the medians.
printf 'ratio shipped/stock (median of rounds): %.2f\n' "$(printf '%s\n' "${ratios[@]}" | median)"

[[ "${INSTRUCTIONS:-1}" == 1 ]] || exit 0
command -v valgrind >/dev/null || { echo "bench: instructions per request skipped: valgrind is not installed (tools/ensure-system-deps.sh installs it)"; exit 0; }
# Instructions per request: one process per config (master_process off, one worker) under
# callgrind, on the same port once the measured servers have stopped; 500 then 2500 requests;
# the difference over 2000 requests.
for pid in "${pids[@]}"; do kill -QUIT "$pid" 2>/dev/null || true; done
for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
pids=()
count_instructions() { # name port requests: prints the instructions the whole run executed
  local name="$1" port="$2" n="$3" dir
  dir="$work/$name/run/callgrind-$n"
  mkdir -p "$dir"; chown "$uid:$uid" "$dir"
  # beside the original, so that its relative includes resolve alike
  sed -e 's#^worker_processes .*#worker_processes 1;#' -e "s#$work/$name/run/nginx.pid#$dir/nginx.pid#" \
    "$work/$name/nginx.conf" > "$work/$name/callgrind.conf"
  setpriv --reuid=$uid --regid=$uid --clear-groups valgrind --tool=callgrind --callgrind-out-file="$dir/out" \
    nginx -e "$dir/error.log" -p "$work/$name" -c "$work/$name/callgrind.conf" -g 'daemon off; master_process off;' >"$dir/valgrind.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.1; done
  node "$here/fixed-requests.js" "$port" "$n" "${paths[@]}" >"$dir/client.json" || { echo "bench: $name under callgrind did not answer 200 to every request: $(cat "$dir/client.json")" >&2; exit 1; }
  kill -QUIT "$pid"; wait "$pid" 2>/dev/null || true
  pids=()
  awk '/^(summary|totals):/ { print $2; exit }' "$dir/out"
}
declare -A per_request
for server in "shipped:$ship_port" "stock:$stock_port"; do
  name="${server%%:*}"
  small="$(count_instructions "$name" "${server#*:}" 500)"; large="$(count_instructions "$name" "${server#*:}" 2500)"
  [[ "$small" =~ ^[0-9]+$ && "$large" =~ ^[0-9]+$ ]] || { echo "bench: callgrind gave no count for $name" >&2; exit 1; }
  per_request[$name]=$(( (large - small) / 2000 ))
done
printf 'instructions per request (callgrind, user space): shipped %d   stock %d   shipped/stock %.2f\n' \
  "${per_request[shipped]}" "${per_request[stock]}" "$(awk -v a="${per_request[shipped]}" -v b="${per_request[stock]}" 'BEGIN { printf "%.3f", a / b }')"
