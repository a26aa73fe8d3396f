#!/usr/bin/env bash
# Builds the Lambda zips of every function (arm64, provided.al2023) with cargo-lambda and prints
# their sizes. Slow (a cold build with the deploy profile takes 30-60 min on 2 cores,
# docs/BENCHMARKS.md); scripts/test.sh runs it last, unoptimised.
#
# It also checks that each function links only what it uses (docs/ARCHITECTURE.md, "What each
# Lambda function links"), and fails otherwise:
# - before building, no function depends on the embedded adapters (SQLite, buildah):
#   `cargo tree -e normal` of the functions, resolved together as they are built, names neither
#   rusqlite nor devportal-embedded;
# - after building, the AWS services whose operations a binary links (read from the operation
#   names the SDK compiles into it, e.g. "ECS.RunTask") are among the ones its entry in
#   shared/wiring/src/functions.rs wires.
#
# Usage: ./scripts/lambda-build.sh            zips in target/lambda/<bin>/bootstrap.zip
#        CARGO_TARGET_DIR=/tmp/lt ./scripts/lambda-build.sh   (a separate target directory)
# Needs: cargo-lambda (brings zig) at the version scripts/python-tools.txt pins, from the
# project's venv (scripts/tools.sh installs it); rustup target add aarch64-unknown-linux-gnu.
# `sam build` (infra/template.yaml, BuildMethod rust-cargolambda) builds the same binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

BINS=(api stage-build stage-sync-runtime stage-sync-dev stage-sync-prod stage-access sweeper run-launcher log-ingest)

# The optional AWS services each function may link (the table, queues, bucket and secrets —
# DynamoDB, SQS, S3, Secrets Manager — are in every one).
declare -A SERVICES=(
  [api]="ECR ECS"
  [stage-build]="CodeBuild ECR CloudWatch_Logs"
  [stage-sync-runtime]="ECR ECS"
  [stage-sync-dev]=""
  [stage-sync-prod]=""
  [stage-access]=""
  [sweeper]="ECR ECS"
  [run-launcher]="ECS"
  [log-ingest]=""
)
OPTIONAL_SERVICES=(CodeBuild ECR ECS CloudWatch_Logs)

package_of() { if [ "$1" = api ]; then echo devportal-api; else echo "$1"; fi; }

# No Lambda function links the embedded adapters.
packages=()
for b in "${BINS[@]}"; do packages+=(-p "$(package_of "$b")"); done
# Resolved as this script builds them (`-p` each), and as `sam build` does (`--bin <function>`
# at the root: the workspace's default members, Cargo.toml).
tree=$(cargo tree --locked -e normal "${packages[@]}"; cargo tree --locked -e normal)
if embedded=$(grep -E "rusqlite|devportal-embedded" <<<"$tree"); then
  echo "error: a Lambda function depends on the embedded adapters (enable devportal-wiring's \"embedded\" feature only in the local host and tests):" >&2
  echo "$embedded" | sort -u >&2
  exit 1
fi

# The pinned cargo-lambda from the project's venv (a no-op when scripts/test.sh set it up).
. scripts/tools.sh
python_tools >/dev/null
rust_arm64_target >/dev/null

# Selected by package, not by `--bin` (which selects every workspace member and resolves their
# features together, so the local host's "embedded" would reach the functions' build).
cargo lambda build --release --arm64 --output-format zip --locked "${packages[@]}"

target="${CARGO_TARGET_DIR:-target}"
echo
printf '%-20s %12s %9s %12s  %s\n' function "zip bytes" "zip MiB" "binary bytes" "optional AWS services linked"
failed=0
for b in "${BINS[@]}"; do
  zip="$target/lambda/$b/bootstrap.zip"
  [ -f "$zip" ] || { echo "missing $zip" >&2; exit 1; }
  size=$(stat -c %s "$zip")
  binary=$(unzip -Z -t "$zip" | grep -oE '[0-9]+ bytes uncompressed' | grep -oE '^[0-9]+')
  # Every SDK operation compiles its name into the binary ("<service>.<Operation>", the span
  # of each call; the strings run into their neighbours, so only the services are told apart).
  ops=$(unzip -p "$zip" bootstrap | grep -aoE '(CodeBuild|ECR|ECS|CloudWatch Logs)\.[A-Z]' | sed 's/^CloudWatch Logs/CloudWatch_Logs/' | sort -u || true)
  linked=""
  for service in "${OPTIONAL_SERVICES[@]}"; do
    grep -qE "^$service\." <<<"$ops" || continue
    linked+="$service "
    if [[ " ${SERVICES[$b]} " != *" $service "* ]]; then
      echo "error: $b links operations of $service, which its entry in shared/wiring/src/functions.rs does not wire" >&2
      failed=1
    fi
  done
  printf '%-20s %12d %9s %12d  %s\n' "$b" "$size" "$(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }')" "$binary" "${linked:-none}"
done
exit "$failed"
