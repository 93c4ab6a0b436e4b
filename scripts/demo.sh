#!/usr/bin/env bash
# npm run demo: a sample log in the seed scenario's format, imported into the embedded SQLite, served by the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NEXT_TELEMETRY_DISABLED=1
export DATABASE_URL="${DATABASE_URL:-file:./data/demo.db}"
PORT="${PORT:-3000}"
HOST="${HOST:-127.0.0.1}"

mkdir -p data
node --import tsx scripts/write-sample-log.ts data/sample-access.log 20000
node bin/envoy-lens.mjs import --no-progress --config fixtures/seed/envoy-config.configmap.yaml \
  --namespace default --pod nginx-test-6df974c9f9-qksd4 --container envoy data/sample-access.log

if [ ! -f .next/BUILD_ID ] || [ -n "$(find app lib next.config.js -newer .next/BUILD_ID -name '*.*' -not -path 'lib/generated/*' -print -quit)" ]; then
  echo "demo: building the dashboard (about a minute the first time)"
  npx next build >/dev/null
fi
echo
echo "envoy-lens dashboard: http://$HOST:$PORT/"
echo
exec npx next start -H "$HOST" -p "$PORT"
