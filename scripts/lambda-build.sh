#!/usr/bin/env bash
# Builds the Lambda zips of every function (arm64, provided.al2023) with cargo-lambda and prints
# their sizes. Slow (a cold release build takes ~6-10 min on 2 cores); scripts/test.sh runs it last.
#
# Usage: ./scripts/lambda-build.sh            zips in target/lambda/<bin>/bootstrap.zip
#        CARGO_TARGET_DIR=/tmp/lt ./scripts/lambda-build.sh   (a separate target directory)
# Needs: pip install cargo-lambda (brings zig); rustup target add aarch64-unknown-linux-gnu.
# `sam build` (infra/template.yaml, BuildMethod rust-cargolambda) builds the same binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

BINS=(api stage-build stage-sync-runtime stage-sync-dev stage-sync-prod stage-access sweeper)

if ! command -v cargo-lambda >/dev/null; then
  echo "cargo-lambda is missing: pip install cargo-lambda" >&2
  exit 1
fi
if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  echo "the arm64 target is missing: rustup target add aarch64-unknown-linux-gnu" >&2
  exit 1
fi

args=()
for b in "${BINS[@]}"; do args+=(--bin "$b"); done
cargo lambda build --release --arm64 --output-format zip --locked "${args[@]}"

target="${CARGO_TARGET_DIR:-target}"
echo
printf '%-20s %12s %12s\n' function "zip bytes" "zip MiB"
for b in "${BINS[@]}"; do
  zip="$target/lambda/$b/bootstrap.zip"
  [ -f "$zip" ] || { echo "missing $zip" >&2; exit 1; }
  size=$(stat -c %s "$zip")
  printf '%-20s %12d %12s\n' "$b" "$size" "$(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }')"
done
