#!/usr/bin/env bash
# The web UI's tests: builds the site (npm ci + build), checks the generated API types are not
# stale versus `devportal openapi`, then runs the browser tests (real headless Chromium at
# /usr/bin/chromium against the real local host). Assumes `cargo build --workspace
# --all-targets` was done. The output ends with node:test's summary ("# pass N", "# fail 0").
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
[ -x target/debug/devportal ] || { echo "target/debug/devportal is missing: run cargo build --workspace --all-targets first" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium is missing: apt-get install -y chromium" >&2; exit 1; }
npm --prefix static-site ci --no-audit --no-fund
npm --prefix static-site run check:api
npm --prefix static-site run build
npm --prefix static-site run test:browser
