#!/usr/bin/env bash
# Runs the portal on this machine: checks the tools it needs (git, buildah, skopeo, Node.js;
# installed with apt-get when missing and running as root, else named with the command to
# install them: scripts/tools.sh), builds the web UI (static-site/dist) and the `devportal`
# binary, and serves on 127.0.0.1:8080.
# Extra arguments go to `devportal serve` (e.g. --addr 127.0.0.1:9000 --data-dir /tmp/dp).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/tools.sh
echo "system tools:"
system_tools_run
# The web UI (static-site/dist), served at / by the portal.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm --prefix static-site ci --no-audit --no-fund
npm --prefix static-site run build
exec cargo run -p devportal -- serve "$@"
