#!/usr/bin/env bash
# Runs the portal on this machine: installs the local image builder's tools if they are
# missing (buildah, skopeo), builds the `devportal` binary and serves on 127.0.0.1:8080.
# Extra arguments go to `devportal serve` (e.g. --addr 127.0.0.1:9000 --data-dir /tmp/dp).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v git >/dev/null || missing+=(git)
command -v buildah >/dev/null || missing+=(buildah)
command -v skopeo >/dev/null || missing+=(skopeo)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "devportal: builds need ${missing[*]}; install them (e.g. sudo apt-get install ${missing[*]})" >&2
  fi
fi
exec cargo run -p devportal -- serve "$@"
