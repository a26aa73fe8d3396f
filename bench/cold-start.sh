#!/usr/bin/env bash
# Cold start of every Lambda function (issue 4's benchmark): builds the release binaries
# (x86_64, this machine; the same code as the arm64 zips) and the baseline bench/hello-lambda,
# then runs bench/cold_start.py against `cargo lambda watch --only-lambda-apis` and a
# moto_server, both on 127.0.0.1. Results: bench/results/<timestamp>-cold-start/.
#   RUNS=15   cold starts per function (plus one dropped warm-up)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)-cold-start"
mkdir -p "$OUT"
cargo build --release --locked -p devportal -p devportal-api -p stage-build -p stage-sync-runtime -p stage-sync-dev \
  -p stage-sync-prod -p stage-access -p sweeper -p devportal-bench-hello-lambda
{ echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (+ uncommitted changes)')"
  echo "cargo-lambda: $(cargo lambda --version)"; } | tee "$OUT/machine.txt"
python3 bench/cold_start.py "$OUT"
