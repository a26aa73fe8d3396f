#!/usr/bin/env bash
# Run-log benchmark (issue 11, "Performance"): ingestion through the log-ingestion use case
# beside a plain bulk insert, and level + text queries over a million stored lines, on the
# embedded store. Builds `devportal-bench-runlogs` in release mode and prints Markdown tables
# with the machine facts (bench/runlogs/src/main.rs; results in docs/BENCHMARKS.md).
#
#   bash bench/runlogs.sh
# Knobs (environment): LINES=1000000 INGEST_LINES=200000 QUERIES=200, BUILD=0 to skip the build.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [[ "${BUILD:-1}" != 0 ]]; then
  cargo build --profile host -p devportal-bench-runlogs
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
./target/host/devportal-bench-runlogs --lines "${LINES:-1000000}" --ingest-lines "${INGEST_LINES:-200000}" --queries "${QUERIES:-200}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
