#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need, then runs them.
# Usage: ./scripts/test.sh        (CI runs exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

log "tools"
need_apt=()
command -v git >/dev/null || need_apt+=(git)
command -v ssh-keygen >/dev/null || need_apt+=(openssh-client)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
# The local image builder: buildah (vfs storage, chroot isolation), skopeo, and busybox for test images.
command -v buildah >/dev/null || need_apt+=(buildah)
command -v skopeo >/dev/null || need_apt+=(skopeo)
[ -x /bin/busybox ] || need_apt+=(busybox-static)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
python3 -c 'import openapi_spec_validator' 2>/dev/null || python3 -m pip install --quiet 'openapi-spec-validator==0.7.2'
# moto_server: the AWS APIs on loopback for the AWS adapters' contract tests.
command -v moto_server >/dev/null || python3 -m pip install --quiet 'moto[server]==5.2.5'
# The SAM template's checks, and the Lambda packaging (cargo-lambda brings zig for arm64).
command -v cfn-lint >/dev/null || python3 -m pip install --quiet cfn-lint
command -v sam >/dev/null || python3 -m pip install --quiet aws-sam-cli
command -v cargo-lambda >/dev/null || python3 -m pip install --quiet cargo-lambda
if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  rustup target add aarch64-unknown-linux-gnu || {
    echo "cannot add the Rust target aarch64-unknown-linux-gnu (needed for the arm64 Lambda zips)" >&2
    exit 1
  }
fi

log "build"
cargo build --workspace --all-targets --locked

log "tests"
cargo test --workspace --locked --no-fail-fast

log "API suites again, on the AWS adapters (moto_server on 127.0.0.1)"
# The same black-box suites, each portal on its own DynamoDB table, SQS queues, S3 bucket and
# Secrets Manager prefix (tests/src/lib.rs `Backend`). crash_recovery stays embedded-only: it
# kills the local host mid-write to test SQLite's durability.
DEVPORTAL_TEST_BACKEND=aws cargo test -p devportal-tests --locked --no-fail-fast \
  --test identity --test connectors --test wizard --test vcs_connection --test pipeline \
  --test lifecycle --test openapi --test sweeper

log "OpenAPI document validates"
mkdir -p target
./target/debug/devportal openapi > target/openapi.json
python3 -m openapi_spec_validator target/openapi.json

log "SAM template"
cfn-lint infra/template.yaml
(cd infra && sam validate --lint -t template.yaml)

log "Lambda zips (cargo lambda build --release --arm64)"
# CI proves every function cross-compiles for arm64 (zig) and packages as a zip, with the
# release profile's optimisation off (opt-level 0, no LTO): optimising the AWS SDK for arm64
# takes 15-20 minutes on 2 cores (measured: opt-level 1 15 min, 3 20 min; 0 under 8 min), which would break
# the 30-minute budget. The zips to deploy come from `sam build` or a plain
# `./scripts/lambda-build.sh` with the deploy profile (docs/BENCHMARKS.md).
CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  ./scripts/lambda-build.sh

log "all green"
