#!/usr/bin/env bash
# Publishes the web UI of a deployed stack: builds static-site/ and uploads it to the stack's
# static-site bucket (hashed assets cached for a year, index.html revalidated on every load),
# then invalidates the CloudFront distribution. Run it after `sam deploy`.
#
#   ./scripts/deploy.sh                     the stack named in samconfig.toml (dev-portal)
#   ./scripts/deploy.sh --stack NAME        another stack
#   ./scripts/deploy.sh --bucket B --distribution-id D [--site-dir DIR] [--no-build]
#
# Uses the standard AWS environment (credentials, AWS_REGION, AWS_ENDPOINT_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/tools.sh
python_tools >/dev/null

build=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
if ! printf '%s\n' "${args[@]:-}" | grep -qE '^--(stack|bucket)$'; then
  stack=$(sed -n 's/^stack_name *= *"\(.*\)"/\1/p' samconfig.toml | head -n1)
  args+=(--stack "${stack:-dev-portal}")
fi
if [ "$build" = 1 ]; then
  npm --prefix static-site ci --no-audit --no-fund
  npm --prefix static-site run build
fi
exec "$DEVPORTAL_PYTHON" scripts/deploy_site.py "${args[@]}"
