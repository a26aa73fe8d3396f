#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: a measure that, unlike requests/s
# and CPU time on a shared two-core machine, does not move with what else the machine does, so
# a change worth a few percent shows up (docs/BENCHMARKS.md, "Issue 13, eighth pass"). Runs of
# one binary still differ by up to ±1.5 % (which worker thread serves a request, how many lines
# the log writer takes at once): compare the median of a few runs for a smaller change.
#
#   bash bench/instructions.sh [PORTAL_BIN...]     (default: target/host/devportal)
#
# For the bare axum hello-world (the baseline) and each portal binary: the server runs under
# callgrind twice, answering FEW and then MANY requests on one keep-alive connection after the
# same start-up (and, for the portal, the same CONNECTORS connectors loaded through the API);
# the difference of the two counts over MANY - FEW is what one request costs, start-up and
# loading cancelled out. The portal is asked GET /api/v1/connectors/{id} with ids drawn from a
# fixed seed. Only user space is counted: the kernel's share (the socket reads and writes, a
# third of a cached GET's CPU time and more of the hello-world's) is not. Valgrind hides CPU
# extensions (SHA-NI among them), so code that uses them natively counts its portable fallback.
# Knobs: FEW=500 MANY=2500 CONNECTORS=200 PORTAL_LOG=info HELLO_BIN=target/host/devportal-bench-hello
set -euo pipefail

FEW=${FEW:-500}
MANY=${MANY:-2500}
CONNECTORS=${CONNECTORS:-200}
PORTAL_LOG=${PORTAL_LOG:-info}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
HELLO_BIN=${HELLO_BIN:-$ROOT/target/host/devportal-bench-hello}
(( $# )) || set -- "$ROOT/target/host/devportal"
WORK=$(mktemp -d /tmp/devportal-instructions.XXXXXX)
SERVER=""
cleanup() {
  [[ -z "$SERVER" ]] || kill -TERM "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
[[ -z "${DEBUG:-}" ]] || set -x
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }

# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"  # free_port

# wait_for URL [curl args...]: until the server answers (callgrind starts it ~50x slower).
wait_for() {
  local url=$1 i
  shift
  for i in $(seq 600); do
    curl --noproxy '*' -fsS -o /dev/null "$@" "$url" 2>/dev/null && return 0
    kill -0 "$SERVER" 2>/dev/null || { echo "the server under test exited; its output:" >&2; cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "no answer from $url" >&2
  exit 1
}

# ask PORT COUNT PATH_PREFIX [IDS_FILE TOKEN]: COUNT GETs on one connection, each answered 200.
ask() {
  python3 - "$@" <<'PY'
import http.client, random, sys
port, count, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ids = open(sys.argv[4]).read().split() if len(sys.argv) > 4 else [""]
headers = {"Authorization": "Bearer " + sys.argv[5]} if len(sys.argv) > 5 else {}
pick = random.Random(1)
conn = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(count):
    conn.request("GET", prefix + pick.choice(ids), headers=headers)
    answer = conn.getresponse()
    answer.read()
    if answer.status != 200:
        sys.exit(f"GET {prefix}: {answer.status}")
PY
}

# stop_and_count: stops the server (it writes its counts on exit) and prints the instructions
# counted in all its threads.
stop_and_count() {
  kill -TERM "$SERVER"
  wait "$SERVER" 2>/dev/null || true
  SERVER=""
  # One file per process part; each names its total once, as `summary:` or `totals:`.
  awk 'FNR == 1 { seen = 0 } /^(summary|totals):/ && !seen { n += $2; seen = 1 } END { print n + 0 }' "$WORK"/callgrind.out.*
  rm -f "$WORK"/callgrind.out.*
}

# The server runs as valgrind itself (not in a subshell), so SERVER is the process to stop.
CALLGRIND=(valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out.%p")

# hello COUNT: instructions of the hello-world answering COUNT requests.
hello() {
  local port
  port=$(free_port)
  "${CALLGRIND[@]}" "$HELLO_BIN" "127.0.0.1:$port" >"$WORK/server.log" 2>&1 &
  SERVER=$!
  wait_for "http://127.0.0.1:$port/hello"
  ask "$port" "$1" /hello
  stop_and_count
}

# portal BIN COUNT: instructions of the portal answering COUNT cached GETs.
portal() {
  local port token data
  port=$(free_port)
  token=bench-$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  data="$WORK/data"
  rm -rf "$data" "$data.key"
  DEVPORTAL_USER_REQUESTS_PER_SECOND=10000000 DEVPORTAL_USER_BURST=10000000 \
    DEVPORTAL_ORG_REQUESTS_PER_SECOND=10000000 DEVPORTAL_ORG_BURST=10000000 DEVPORTAL_MAX_CONNECTORS_PER_ORG=0 \
    DEVPORTAL_TOKEN="$token" DEVPORTAL_LOG="$PORTAL_LOG" \
    "${CALLGRIND[@]}" "$1" serve --addr "127.0.0.1:$port" --data-dir "$data" >"$WORK/server.log" 2>&1 &
  SERVER=$!
  wait_for "http://127.0.0.1:$port/api/v1/me" -H "Authorization: Bearer $token"
  python3 bench/load.py "http://127.0.0.1:$port" "$token" "$CONNECTORS" "$WORK/ids.txt" 1 >/dev/null
  ask "$port" "$2" /api/v1/connectors/ "$WORK/ids.txt" "$token"
  stop_and_count
}

per_request() { awk -v few="$1" -v many="$2" -v n=$((MANY - FEW)) 'BEGIN { printf "%.0f", (many - few) / n }'; }

echo "| server | instructions per request |"
echo "|---|---:|"
echo "| hello-world (\`$(basename "$HELLO_BIN")\`) | $(per_request "$(hello "$FEW")" "$(hello "$MANY")") |"
for bin in "$@"; do
  echo "| GET /connectors/{id}, \`$bin\`, log \`$PORTAL_LOG\` | $(per_request "$(portal "$bin" "$FEW")" "$(portal "$bin" "$MANY")") |"
done
