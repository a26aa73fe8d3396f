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

log "build"
cargo build --workspace --all-targets --locked

log "tests"
cargo test --workspace --locked --no-fail-fast

log "OpenAPI document validates"
mkdir -p target
./target/debug/devportal openapi > target/openapi.json
python3 -m openapi_spec_validator target/openapi.json

log "all green"
