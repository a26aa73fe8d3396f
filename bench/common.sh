# Shared by the benchmark scripts (`source bench/common.sh`): a free loopback port, CPU accounting
# and waiting for a quiet machine. `wait_for_quiet` expects a `log` function and IDLE_WAIT
# (seconds) to be set by the caller.

# free_port: a TCP port on 127.0.0.1 nothing listens on (for a server to bind next).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# CPU accounting in clock ticks: the machine's busy and total time, and one process's own.
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# busy_pct SECONDS: share of all CPUs busy over a window.
busy_pct() {
  local b0 t0 b1 t1
  read -r b0 t0 < <(cpu_ticks); sleep "$1"; read -r b1 t1 < <(cpu_ticks)
  awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.0f", (t > 0 ? 100 * b / t : 0) }'
}

# wait_for_quiet: other work on the machine (builds, tests) competes for the same cores. Waits,
# at most IDLE_WAIT seconds, for a 5-second window under 20 % busy; sets QUIET_BUSY (the last
# window's share). The measurements report how much CPU others used anyway.
wait_for_quiet() {
  local waited=0
  QUIET_BUSY=100
  while (( waited < IDLE_WAIT )); do
    QUIET_BUSY=$(busy_pct 5)
    waited=$((waited + 5))
    (( QUIET_BUSY < 20 )) && break
    log "machine busy (${QUIET_BUSY}% of all CPUs over 5 s); waiting for a quiet moment (${waited}/${IDLE_WAIT} s)"
  done
}
