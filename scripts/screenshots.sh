#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png of the web UI's main screens in headless Chromium against
# a fresh local host. Needs `cargo build --workspace --all-targets` and /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm --prefix static-site ci --no-audit --no-fund
npm --prefix static-site run build
npm --prefix static-site run screenshots
