#!/usr/bin/env bash
# Per-port latency benchmark (issue 4, "Performance"): the embedded adapters (SQLite) beside the
# AWS adapters on a local moto_server, one call at a time.
#
#   bash bench/ports.sh
#
# Builds `devportal-bench-ports` in release mode, starts moto_server on 127.0.0.1 and a free
# port, runs the benchmark (bench/ports/src/main.rs) and prints a Markdown table with the
# machine facts. Output goes to bench/results/<timestamp>-ports/ (not in git).
# Knobs (environment):
#   ITERATIONS=300 WARMUP=30   measured and unmeasured calls per operation
#   IDLE_WAIT=300              at most this many seconds waiting for a quiet machine
#   BUILD=0                    use the binary already built (target/host/, or BENCH_BIN)
set -euo pipefail

ITERATIONS=${ITERATIONS:-300}
WARMUP=${WARMUP:-30}
IDLE_WAIT=${IDLE_WAIT:-300}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/$STAMP-ports"
mkdir -p "$OUT"
MOTO_PID=

cleanup() {
  if [[ -n "$MOTO_PID" ]] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill -TERM "$MOTO_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$MOTO_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$MOTO_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[ports] %s\n' "$*" >&2; }

command -v moto_server >/dev/null || { echo "bench: moto_server is required: pip install 'moto[server]==5.2.5'" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 is required" >&2; exit 1; }

if [[ "${BUILD:-1}" == 0 ]]; then
  log "BUILD=0: using ${BENCH_BIN:-target/host/devportal-bench-ports}"
else
  log "building (cargo build --profile host -p devportal-bench-ports)"
  cargo build --profile host -p devportal-bench-ports >&2
fi
BENCH_BIN=${BENCH_BIN:-$ROOT/target/host/devportal-bench-ports}

# CPU accounting (cpu_ticks, proc_ticks, busy_pct, HZ) and waiting for a quiet machine.
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
wait_for_quiet
log "machine ${QUIET_BUSY}% busy before the run"

# --- moto -----------------------------------------------------------------------------------
PORT=$(free_port)
moto_server -H 127.0.0.1 -p "$PORT" >"$OUT/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 600); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/data.json', timeout=1)" 2>/dev/null; then break; fi
  kill -0 "$MOTO_PID" 2>/dev/null || { cat "$OUT/moto.log" >&2; echo "bench: moto_server exited" >&2; exit 1; }
  sleep 0.1
done
MOTO_VERSION=$(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo unknown)
log "moto $MOTO_VERSION on 127.0.0.1:$PORT (pid $MOTO_PID)"

# --- run --------------------------------------------------------------------------------------
read -r B0 T0 < <(cpu_ticks)
M0=$(proc_ticks "$MOTO_PID")
START=$(date +%s.%N)
# The benchmark's own CPU time: its rusage, read by a small parent.
BENCH_CPU=$(python3 -c '
import resource, subprocess, sys
out = open(sys.argv[1], "w")
rc = subprocess.call(sys.argv[2:], stdout=out)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{r.ru_utime + r.ru_stime:.1f}")
sys.exit(rc)
' "$OUT/table.md" "$BENCH_BIN" --endpoint "http://127.0.0.1:$PORT" --iterations "$ITERATIONS" --warmup "$WARMUP")
END=$(date +%s.%N)
read -r B1 T1 < <(cpu_ticks)
M1=$(proc_ticks "$MOTO_PID")

NPROC=$(nproc)
WALL=$(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.1f", b - a }')
MOTO_CPU=$(awk -v t=$((M1 - M0)) -v hz="$HZ" 'BEGIN { printf "%.1f", t / hz }')
BUSY=$(awk -v b=$((B1 - B0)) -v t=$((T1 - T0)) 'BEGIN { printf "%.0f", (t > 0 ? 100 * b / t : 0) }')
OTHER=$(awk -v b=$((B1 - B0)) -v t=$((T1 - T0)) -v m=$((M1 - M0)) -v c="$BENCH_CPU" -v hz="$HZ" \
  'BEGIN { o = b - m - c * hz; if (o < 0) o = 0; printf "%.0f", (t > 0 ? 100 * o / t : 0) }')

{
  echo "# Port latency, embedded vs AWS adapters on moto ($STAMP)"
  echo
  echo "Machine: $NPROC CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)."
  echo "Source: $(git rev-parse --short HEAD 2>/dev/null || echo unknown) ($(git status --porcelain 2>/dev/null | grep -c . || true) changed files in the working tree); moto $MOTO_VERSION."
  echo "Run: ${WALL} s; machine ${QUIET_BUSY}% busy before, ${BUSY}% of all CPUs during the run (benchmark ${BENCH_CPU} s CPU, moto ${MOTO_CPU} s CPU, other processes ${OTHER}% of the machine)."
  echo
  cat "$OUT/table.md"
} | tee "$OUT/report.md"
log "report: $OUT/report.md"
