#!/usr/bin/env bash
# Requests per second of ordinary clients against the shipped docker/nginx.conf, with and
# without an attack running at the same time, in the same run: the ratio says how much of the
# site an attacker at one address can take away from everyone else. The attack outlasts the
# header timeout (10 s), so the server closing its slow connections is part of what is measured.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/abuse/run.sh [--help]

Starts nginx with the shipped docker/nginx.conf as uid 10101 on a port of 127.0.0.1 the OS
picks. Ordinary clients: wrk from 127.0.0.1 (trusted as the proxy, as an ingress would be),
each request from one of 16384 client addresses (X-Forwarded-For, bench/nginx/mix.lua), the
page's four files with gzip. The attacker (bench/abuse/attack.js) at 127.0.0.2, for ATTACK
seconds: SLOW slowloris connections (a header line every second, never the end; each one the
server closes is opened again) and FLOOD keep-alive loops requesting / as fast as nginx
answers. Each round measures the ordinary clients alone, then during the last DURATION + 2 s
of the attack (so after the header timeout has closed the first slowloris connections); the
median of the per-round ratios (with attack / without) is reported, with what the attacker
got and how many of its slow connections the server closed.

The attacker runs on the same cores as nginx and wrk: what its own process uses (node) counts
against the ordinary clients too.

Environment:
  ROUNDS       rounds (default 5)
  DURATION     seconds of wrk per measurement (default 4)
  ATTACK       seconds the attack lasts, at least DURATION + 4 (default 14: longer than the
               10 s header timeout)
  CONNECTIONS  wrk connections (default 64)
  SLOW         slowloris connections of the attacker (default 1000)
  FLOOD        request loops of the attacker (default 64)

Exit codes: 0 measured; 1 a tool is missing, nginx did not start, or an ordinary request got
an error; 2 a bad setting.
USAGE
}
case "${1:-}" in
  "") ;;
  --help|-h) usage; exit 0 ;;
  *) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds="${ROUNDS:-5}"
duration="${DURATION:-4}"
connections="${CONNECTIONS:-64}"
slow="${SLOW:-1000}"
flood="${FLOOD:-64}"
attack="${ATTACK:-14}"
uid=10101
for var in ROUNDS DURATION CONNECTIONS SLOW FLOOD ATTACK; do
  value="${!var:-1}"
  [[ "$value" =~ ^[1-9][0-9]{0,3}$ ]] || { echo "bench: $var '$value' is not allowed; use a whole number from 1 to 9999" >&2; exit 2; }
done
(( attack >= duration + 4 )) || { echo "bench: ATTACK '$attack' is not allowed; use at least DURATION + 4 ($((duration + 4)))" >&2; exit 2; }
for tool in nginx wrk setpriv curl node; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is missing (tools/ensure-system-deps.sh installs it)" >&2; exit 1; }
done
[[ $EUID -eq 0 ]] || { echo "bench: run as root: it starts nginx as uid $uid with setpriv" >&2; exit 1; }
# The attacker's slowloris connections need descriptors.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work="$(mktemp -d)"
chmod 755 "$work"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two ports the OS picks (bound, released, then taken by nginx).
read -r port status_port < <(node -e "
const net = require('net'); const a = net.createServer().listen(0, '127.0.0.1', () => { const b = net.createServer().listen(0, '127.0.0.1', () => {
  console.log(a.address().port, b.address().port); a.close(); b.close(); }); });")

cp -r "$root/docker/site" "$work/html"
find "$work/html" -type f \( -name '*.html' -o -name '*.css' -o -name '*.js' -o -name '*.svg' \) -exec gzip -9 -k -n -f {} +
css="/assets/$(basename "$(ls "$work"/html/assets/*.css)")"
js="/assets/$(basename "$(ls "$work"/html/assets/*.js)")"
paths=(/ "$css" "$js" /favicon.svg)

# The shipped config with the substitutions of test/image/support/nginx.ts and bench/nginx,
# and 127.0.0.1 trusted as the proxy (wrk's connections).
mkdir -p "$work/site/run"
cp -r "$root/docker/mincloud" "$work/site/"
cp /etc/nginx/mime.types "$work/site/"
echo 'set_real_ip_from 127.0.0.1;' > "$work/site/mincloud/http.d/bench-real-ip.conf"
sed -e "s#listen 8080 #listen 127.0.0.1:$port #" \
    -e "s#listen 127.0.0.1:8081;#listen 127.0.0.1:$status_port;#" \
    -e "s#/tmp/#$work/site/run/#g" \
    -e "s#root /usr/share/nginx/html;#root $work/html;#" \
    -e "s#access_log /dev/stdout#access_log $work/site/run/access.log#" \
    -e "s#error_log /dev/stderr#error_log $work/site/run/error.log#" \
    "$root/docker/nginx.conf" > "$work/site/nginx.conf"
for must in "127.0.0.1:$port" "root $work/html;" "access_log $work/site/run/access.log"; do
  grep -qF "$must" "$work/site/nginx.conf" || { echo "bench: docker/nginx.conf changed shape: could not substitute '$must'" >&2; exit 1; }
done
chown -R "$uid:$uid" "$work/site/run"
chmod -R a+rX "$work"
setpriv --reuid=$uid --regid=$uid --clear-groups nginx -e "$work/site/run/error.log" -p "$work/site" -c "$work/site/nginx.conf" \
  -g 'daemon off;' >"$work/site/run/stdout.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.05; done
curl -fsS -o /dev/null "http://127.0.0.1:$port/" || { echo "bench: nginx did not start:" >&2; cat "$work/site/run/error.log" >&2; exit 1; }

measure() { # seconds: ordinary clients' requests/s; fails on any answer but 2xx/3xx
  local out
  out="$(wrk -t2 -c"$connections" -d"${1}s" -s "$root/bench/nginx/mix.lua" "http://127.0.0.1:$port" "${paths[@]}")"
  if grep -q 'Non-2xx or 3xx responses' <<<"$out"; then
    echo "bench: ordinary clients got errors:" >&2; echo "$out" >&2; exit 1
  fi
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

measure 1 >/dev/null # warm-up
echo "bench: nginx $(nginx -v 2>&1 | sed 's/.*\///'), shipped config; ordinary: wrk -t2 -c$connections -d${duration}s over 16384 client addresses; attacker at 127.0.0.2 for ${attack}s: $slow slowloris connections + $flood request loops; $rounds rounds"
alone=(); attacked=(); ratios=(); closed=()
for r in $(seq 1 "$rounds"); do
  a="$(measure "$duration")"
  node "$here/attack.js" "$port" 127.0.0.2 "$attack" "$slow" "$flood" > "$work/attack.json" &
  attacker=$!
  # The ordinary clients are measured over the attack's last DURATION + 2 seconds: past the
  # 10 s header timeout, when the server closes the first slowloris connections and the
  # attacker opens them again.
  sleep "$((attack - duration - 2))"
  b="$(measure "$duration")"
  wait "$attacker"
  alone+=("$a"); attacked+=("$b")
  q="$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')"; ratios+=("$q")
  c="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf-8")).slowClosedByServer)' "$work/attack.json")"; closed+=("$c")
  printf 'round %d: alone %9.0f req/s   under attack %9.0f req/s   ratio %.2f   attacker: %s\n' "$r" "$a" "$b" "$q" "$(cat "$work/attack.json")"
done
printf 'median:  alone %9.0f req/s   under attack %9.0f req/s\n' "$(printf '%s\n' "${alone[@]}" | median)" "$(printf '%s\n' "${attacked[@]}" | median)"
printf 'slow clients closed by the server (median of rounds, of %d held for %d s): %d\n' "$slow" "$attack" "$(printf '%s\n' "${closed[@]}" | median)"
printf 'ratio under attack / alone (median of rounds): %.2f\n' "$(printf '%s\n' "${ratios[@]}" | median)"
