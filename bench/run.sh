#!/usr/bin/env bash
# The Dev Portal benchmark (issue 2 — API on the embedded store).
#
#   bash bench/run.sh
#
# Builds the release binaries, starts the portal and a bare axum hello-world on 127.0.0.1,
# loads CONNECTORS connectors through the API, measures with wrk and prints a Markdown table.
# Results (table, raw wrk output, machine facts) go to bench/results/<timestamp>/.
# Knobs (environment):
#   CONNECTORS=10000 DURATION=15s WARMUP=3s THREADS=2 CONNS=16 LOADERS=4 (loader threads)
#   IDLE_WAIT=300  at most this many seconds waiting for a quiet machine before starting; the
#                  CPU other processes used during every measured run is reported beside it
#   BUILD=0        measure binaries already built (target/host/, or PORTAL_BIN / HELLO_BIN)
#   BENCH_SOURCE   free text naming what the binaries were built from, for the report
#   PORTAL_LOG=info  the portal's log filter (`warn` measures it without the per-request line)
#   ROUNDS=3 PAIR_DURATION=5s PAIR_WARMUP=1s  the paired rounds the throughput targets are
#                  judged on: each endpoint run between two hello-world runs, median of ROUNDS
set -euo pipefail

CONNECTORS=${CONNECTORS:-10000}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
LOADERS=${LOADERS:-4}
IDLE_WAIT=${IDLE_WAIT:-300}
PORTAL_LOG=${PORTAL_LOG:-info}
ROUNDS=${ROUNDS:-3}
PAIR_DURATION=${PAIR_DURATION:-5s}
PAIR_WARMUP=${PAIR_WARMUP:-1s}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/$STAMP"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/devportal-bench.XXXXXX)
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[bench] %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  if ! apt-get install -y wrk >/dev/null 2>&1; then
    apt-get update >/dev/null
    apt-get install -y wrk >/dev/null
  fi
fi
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done

if [[ "${BUILD:-1}" == 0 ]]; then
  log "BUILD=0: measuring the binaries already built (${PORTAL_BIN:-target/host/devportal})"
else
  log "building the host-profile binaries (cargo build --profile host -p devportal -p devportal-bench-hello)"
  cargo build --profile host -p devportal -p devportal-bench-hello >&2
fi
PORTAL_BIN=${PORTAL_BIN:-$ROOT/target/host/devportal}
HELLO_BIN=${HELLO_BIN:-$ROOT/target/host/devportal-bench-hello}

# wait_http URL [AUTH]: up to 30 s for a 200.
wait_http() {
  local url=$1 auth=${2:-}
  for _ in $(seq 1 300); do
    if curl --noproxy '*' -fsS -o /dev/null ${auth:+-H "Authorization: Bearer $auth"} "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bench: $url did not answer within 30 s" >&2
  return 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# free_port, CPU accounting (cpu_ticks, proc_ticks, busy_pct, HZ) and waiting for a quiet machine.
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

# --- a quiet machine --------------------------------------------------------------------
wait_for_quiet
log "machine ${QUIET_BUSY}% busy before the servers start"

# --- servers -----------------------------------------------------------------------------
HELLO_PORT=$(free_port)
PORTAL_PORT=$(free_port)
TOKEN="bench-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

"$HELLO_BIN" "127.0.0.1:$HELLO_PORT" >"$WORK/hello.log" 2>&1 &
HELLO_PID=$!
PIDS+=("$HELLO_PID")

# Default settings (log level info unless PORTAL_LOG says otherwise, written to a file as a
# service manager would), except the
# limits: the request rates are metered (their cost is part of each request) but set far above
# what the load reaches, and the connector quota is off so CONNECTORS can be loaded.
DEVPORTAL_USER_REQUESTS_PER_SECOND=10000000 DEVPORTAL_USER_BURST=10000000 \
DEVPORTAL_ORG_REQUESTS_PER_SECOND=10000000 DEVPORTAL_ORG_BURST=10000000 DEVPORTAL_MAX_CONNECTORS_PER_ORG=0 \
DEVPORTAL_TOKEN="$TOKEN" DEVPORTAL_LOG="$PORTAL_LOG" "$PORTAL_BIN" serve --addr "127.0.0.1:$PORTAL_PORT" --data-dir "$WORK/data" \
  >"$WORK/portal.out" 2>"$WORK/portal.log" &
PORTAL_PID=$!
PIDS+=("$PORTAL_PID")

HELLO="http://127.0.0.1:$HELLO_PORT"
PORTAL="http://127.0.0.1:$PORTAL_PORT"
wait_http "$HELLO/hello"
wait_http "$PORTAL/api/v1/me" "$TOKEN"
sleep 2
RSS_START=$(rss_kb "$PORTAL_PID")
log "portal pid $PORTAL_PID on $PORTAL, idle RSS $(mb "$RSS_START") MB; hello on $HELLO"

# --- load --------------------------------------------------------------------------------
log "loading $CONNECTORS connectors ($LOADERS threads)"
timeout 600 python3 bench/load.py "$PORTAL" "$TOKEN" "$CONNECTORS" "$WORK/ids.txt" "$LOADERS" | tee "$OUT/load.txt" >&2
sleep 2
RSS_LOADED=$(rss_kb "$PORTAL_PID")
log "idle RSS after loading: $(mb "$RSS_LOADED") MB"

# Sanity: every endpoint answers 2xx before it is measured.
FIRST_ID=$(head -n1 "$WORK/ids.txt")
AUTH=(--noproxy '*' -H "Authorization: Bearer $TOKEN")
curl -fsS -o /dev/null "${AUTH[@]}" "$PORTAL/api/v1/connectors/$FIRST_ID"
LIST_COUNT=$(curl -fsS "${AUTH[@]}" "$PORTAL/api/v1/connectors?limit=50" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
[[ "$LIST_COUNT" == 50 ]] || { echo "bench: list answered $LIST_COUNT items, expected 50" >&2; exit 1; }
curl -fsS -o /dev/null "${AUTH[@]}" -X PUT -H 'Content-Type: application/json' \
  -d '{"command":"python","arguments":"main.py run"}' \
  "$PORTAL/api/v1/connectors/$FIRST_ID/versions/1/steps/application"
DB_BYTES=$(du -sb "$WORK/data" | awk '{print $1}')

# --- measure -----------------------------------------------------------------------------
export BENCH_LUA_DIR="$ROOT/bench/lua" BENCH_TOKEN="$TOKEN" BENCH_IDS="$WORK/ids.txt"
declare -A RESULT STATUSES

# measure NAME URL SCRIPT [THREADS CONNS]: a warm-up, then the measured run. For portal runs,
# the HTTP statuses the portal logged during the measured run are counted from its log.
# OTHER_CPU: CPU time used during the measured run by anything but wrk and the two servers,
# as a share of the machine (all CPUs).
# SERVER_CPU: CPU time of the measured server (portal or hello-world) per request, in µs —
# less sensitive to other load on the machine than requests/s.
# CLIENT_CPU: wrk's CPU time per request, in µs: the load generator shares the CPUs with the
# servers, so what it spends per request lowers the requests/s of either.
declare -A OTHER_CPU SERVER_CPU CLIENT_CPU
measure() {
  local name=$1 url=$2 script=$3 t=${4:-$THREADS} c=${5:-$CONNS} before b0 t0 b1 t1 p0 p1 h0 h1 wrk_s
  log "warm-up $name ($WARMUP)"
  wrk -t"$t" -c"$c" -d"$WARMUP" -s "$script" "$url" >/dev/null
  log "measuring $name: wrk -t$t -c$c -d$DURATION --latency"
  before=$(wc -l <"$WORK/portal.log")
  read -r b0 t0 < <(cpu_ticks); p0=$(proc_ticks "$PORTAL_PID"); h0=$(proc_ticks "$HELLO_PID")
  local TIMEFORMAT='%U %S'
  { time wrk -t"$t" -c"$c" -d"$DURATION" --latency -s "$script" "$url" >"$OUT/wrk-$name.txt" 2>&1; } 2>"$WORK/time.txt"
  read -r b1 t1 < <(cpu_ticks); p1=$(proc_ticks "$PORTAL_PID"); h1=$(proc_ticks "$HELLO_PID")
  wrk_s=$(awk '{ print $1 + $2 }' "$WORK/time.txt")
  OTHER_CPU[$name]=$(awk -v busy=$((b1 - b0)) -v total=$((t1 - t0)) -v ours=$((p1 - p0 + h1 - h0)) -v wrk="$wrk_s" -v hz="$HZ" \
    'BEGIN { o = busy - ours - wrk * hz; if (o < 0) o = 0; printf "%.0f%%", (total > 0 ? 100 * o / total : 0) }')
  RESULT[$name]=$(grep '^BENCH ' "$OUT/wrk-$name.txt")
  local served=$((p1 - p0)); [[ $url == "$HELLO"* ]] && served=$((h1 - h0))
  local n; n=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"${RESULT[$name]}")
  SERVER_CPU[$name]=$(awk -v ticks="$served" -v hz="$HZ" -v n="$n" 'BEGIN { printf "%.0f", (n > 0 ? ticks / hz * 1e6 / n : 0) }')
  CLIENT_CPU[$name]=$(awk -v s="$wrk_s" -v n="$n" 'BEGIN { printf "%.0f", (n > 0 ? s * 1e6 / n : 0) }')
  STATUSES[$name]=$(tail -n +"$((before + 1))" "$WORK/portal.log" | sed 's/\x1b\[[0-9;]*m//g' \
    | sed -n 's/.* answered status=\([0-9]*\) .*/\1/p' | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}')
  echo "${RESULT[$name]} server_cpu_us=${SERVER_CPU[$name]} client_cpu_us=${CLIENT_CPU[$name]} other_cpu=${OTHER_CPU[$name]}" >&2
}

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"${RESULT[$1]}"; }

measure hello "$HELLO/hello" bench/lua/hello.lua
measure get_connector "$PORTAL" bench/lua/get_connector.lua
measure list_connectors "$PORTAL" bench/lua/list_connectors.lua
measure put_application "$PORTAL" bench/lua/put_application.lua
measure hello_again "$HELLO/hello" bench/lua/hello.lua
# Latency without saturation: one connection, one request at a time.
measure hello_c1 "$HELLO/hello" bench/lua/hello.lua 1 1
measure get_connector_c1 "$PORTAL" bench/lua/get_connector.lua 1 1
measure list_connectors_c1 "$PORTAL" bench/lua/list_connectors.lua 1 1
measure put_application_c1 "$PORTAL" bench/lua/put_application.lua 1 1

sleep 3
RSS_AFTER=$(rss_kb "$PORTAL_PID")
RSS_PEAK=$(hwm_kb "$PORTAL_PID")

# --- paired rounds -----------------------------------------------------------------------
# This machine's speed drifts by tens of percent within minutes (two hello-world runs a few
# minutes apart have differed by 40 %), more than the margins the throughput targets are judged
# on. So each endpoint is also measured in ROUNDS short runs, each right between two hello-world
# runs, against their mean; the target is judged on the median of those ratios.
declare -A SCRIPT_OF=([get_connector]=bench/lua/get_connector.lua [list_connectors]=bench/lua/list_connectors.lua [put_application]=bench/lua/put_application.lua)
declare -A PAIR_PCTS
pairs=0
# measure_short NAME URL SCRIPT: measure with the paired rounds' duration and warm-up.
measure_short() { DURATION=$PAIR_DURATION WARMUP=$PAIR_WARMUP measure "$@"; }
measure_short "pair_hello_0" "$HELLO/hello" bench/lua/hello.lua
for round in $(seq 1 "$ROUNDS"); do
  for name in get_connector list_connectors put_application; do
    measure_short "pair_${name}_$round" "$PORTAL" "${SCRIPT_OF[$name]}"
    pairs=$((pairs + 1))
    measure_short "pair_hello_$pairs" "$HELLO/hello" bench/lua/hello.lua
    PAIR_PCTS[$name]+=$(awk -v e="$(field "pair_${name}_$round" rps)" -v a="$(field "pair_hello_$((pairs - 1))" rps)" \
      -v b="$(field "pair_hello_$pairs" rps)" 'BEGIN { printf "%.0f ", (a + b > 0 ? 200 * e / (a + b) : 0) }')
  done
done
# median_of "N N N": the middle value (the mean of the two middle ones for an even count).
median_of() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# --- report ------------------------------------------------------------------------------
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
# Baseline: the mean of the two saturated hello-world runs (start and end of the run).
HELLO_RPS=$(awk -v a="$(field hello rps)" -v b="$(field hello_again rps)" 'BEGIN { printf "%.1f", (a + b) / 2 }')

label_of() {
  case ${1%_c1} in
    hello) echo 'hello-world `GET /hello` (bare axum)';;
    hello_again) echo 'hello-world again (end of the saturated runs)';;
    get_connector) echo '`GET /api/v1/connectors/{id}` (random id)';;
    list_connectors) echo '`GET /api/v1/connectors?limit=50`';;
    put_application) echo 'wizard `PUT …/versions/1/steps/application`';;
  esac
}
row_header() {
  echo "| endpoint | p50 ms | p90 ms | p99 ms | max ms | requests/s | vs hello-world | server CPU µs/request | wrk CPU µs/request | wrk errors | portal statuses | other CPU use |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
}
row() {
  local name=$1 rps ratio errs
  rps=$(field "$name" rps)
  ratio=$(awk -v a="$rps" -v b="$HELLO_RPS" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  [[ $name == *_c1 ]] && ratio="—"
  errs=$(( $(field "$name" err_connect) + $(field "$name" err_read) + $(field "$name" err_write) + $(field "$name" err_status) + $(field "$name" err_timeout) ))
  printf '| %s | %s | %s | %s | %s | %.0f | %s | %s | %s | %d | %s | %s |\n' "$(label_of "$name")" \
    "$(ms "$(field "$name" p50_us)")" "$(ms "$(field "$name" p90_us)")" "$(ms "$(field "$name" p99_us)")" \
    "$(ms "$(field "$name" max_us)")" "$rps" "$ratio" "${SERVER_CPU[$name]}" "${CLIENT_CPU[$name]}" "$errs" "${STATUSES[$name]:-—}" "${OTHER_CPU[$name]}"
}

{
  echo "### Results $STAMP"
  echo
  echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)."
  echo "Source: ${BENCH_SOURCE:-the working tree at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown) ($(git status --porcelain --untracked-files=no 2>/dev/null | wc -l) tracked files modified)}; portal binary $PORTAL_BIN built $(date -u -r "$PORTAL_BIN" +%Y-%m-%dT%H:%MZ). $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2)."
  echo "Load: $CONNECTORS connectors — $(cat "$OUT/load.txt"); database $(mb $((DB_BYTES / 1024))) MB."
  echo "Portal log filter: $PORTAL_LOG."
  echo "wrk: -t$THREADS -c$CONNS -d$DURATION --latency (after a $WARMUP warm-up), client and servers on the same machine."
  echo "Machine ${QUIET_BUSY}% busy (all CPUs, 5 s) just before the servers started; \"other CPU use\" is what processes other than wrk and the two servers used during each measured run, as a share of all CPUs."
  echo
  echo "Saturated (wrk -t$THREADS -c$CONNS); \"vs hello-world\" is against the mean of the two hello-world runs ($(printf '%.0f' "$HELLO_RPS") requests/s):"
  echo
  row_header
  for name in hello hello_again get_connector list_connectors put_application; do row "$name"; done
  echo
  echo "Paired rounds ($ROUNDS rounds of wrk -t$THREADS -c$CONNS -d$PAIR_DURATION after a $PAIR_WARMUP warm-up; each endpoint run right between two hello-world runs, its requests/s against their mean):"
  echo
  echo "| endpoint | % of the hello-world, round by round | median |"
  echo "|---|---|---:|"
  for name in get_connector list_connectors put_application; do
    echo "| $(label_of "$name") | $(sed 's/ *$//; s/ /, /g' <<<"${PAIR_PCTS[$name]}") | $(median_of "${PAIR_PCTS[$name]}")% |"
  done
  echo
  echo "hello-world runs in order (requests/s): $(for ((i = 0; i <= pairs; i++)); do printf '%s%.0f' "${sep:-}" "$(field "pair_hello_$i" rps)"; sep=", "; done)."
  echo
  echo "One connection, one request at a time (wrk -t1 -c1): latency without queueing:"
  echo
  row_header
  for name in hello_c1 get_connector_c1 list_connectors_c1 put_application_c1; do row "$name"; done
  echo
  echo "Portal RSS (VmRSS): idle after start $(mb "$RSS_START") MB; idle after loading $(mb "$RSS_LOADED") MB; idle after the measurements $(mb "$RSS_AFTER") MB; peak (VmHWM) $(mb "$RSS_PEAK") MB."
  echo
  echo "Targets:"
  for name in get_connector list_connectors; do
    p99=$(ms "$(field $name p99_us)")
    ok=$(awk -v v="$p99" 'BEGIN { print ((v <= 5.0) ? "met" : "MISSED") }')
    echo "- $name p99 $p99 ms ≤ 5 ms (saturated run): $ok; at one connection p99 $(ms "$(field "${name}_c1" p99_us)") ms"
  done
  # Throughput targets per endpoint, in % of the hello-world (issue 13), judged on the paired rounds.
  declare -A TARGET_PCT=([get_connector]=50 [list_connectors]=25 [put_application]=10)
  for name in get_connector list_connectors put_application; do
    pct=$(median_of "${PAIR_PCTS[$name]}")
    long=$(awk -v a="$(field $name rps)" -v b="$HELLO_RPS" 'BEGIN { printf "%.0f", 100 * a / b }')
    ok=$(awk -v v="$pct" -v t="${TARGET_PCT[$name]}" 'BEGIN { print ((v >= t) ? "met" : "MISSED") }')
    echo "- $name throughput $pct% of hello-world (median of the paired rounds; $long% in the long run) ≥ ${TARGET_PCT[$name]}%: $ok"
  done
  worst=$(( RSS_AFTER > RSS_LOADED ? RSS_AFTER : RSS_LOADED ))
  ok=$(awk -v kb="$worst" 'BEGIN { print ((kb <= 60 * 1024) ? "met" : "MISSED") }')
  echo "- idle RSS $(mb "$worst") MB (largest idle reading) ≤ 60 MB: $ok"
} >"$OUT/results.md"

# Keep the tail of the portal log (the full per-request log is large).
tail -n 20 "$WORK/portal.log" >"$OUT/portal-log-tail.txt" 2>/dev/null || true
wc -l <"$WORK/portal.log" >"$OUT/portal-log-lines.txt" 2>/dev/null || true
cp "$OUT/results.md" "$ROOT/bench/results/latest.md"
cat "$OUT/results.md"
log "results in $OUT"
