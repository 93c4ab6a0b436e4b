#!/usr/bin/env bash
# npm run demo: the built-in Kubernetes API simulator playing the seed scenario, and the dashboard on an embedded
# SQLite database (for now filled by importing a sample log in the seed format; the live collector comes next).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NEXT_TELEMETRY_DISABLED=1
export DATABASE_URL="${DATABASE_URL:-file:./data/demo.db}"
PORT="${PORT:-3000}"
HOST="${HOST:-127.0.0.1}"
SIM_PORT="${SIM_PORT:-0}"

mkdir -p data
node bin/envoy-lens.mjs simulate --port "$SIM_PORT" --kubeconfig-out data/demo.kubeconfig > data/simulator.out 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^Ctrl-C' data/simulator.out 2>/dev/null && break
  kill -0 "$sim_pid" 2>/dev/null || { cat data/simulator.out >&2; echo "demo: the simulator did not start" >&2; exit 1; }
  sleep 0.2
done
sim_url=$(sed -n 's/^API server: //p' data/simulator.out)

node --import tsx scripts/write-sample-log.ts data/sample-access.log 20000
node bin/envoy-lens.mjs import --no-progress --config fixtures/seed/envoy-config.configmap.yaml \
  --namespace default --pod nginx-test-6df974c9f9-qksd4 --container envoy data/sample-access.log

if [ ! -f .next/BUILD_ID ] || [ -n "$(find app lib next.config.js -newer .next/BUILD_ID -name '*.*' -not -path 'lib/generated/*' -print -quit)" ]; then
  echo "demo: building the dashboard (about a minute the first time)"
  npx next build >/dev/null
fi
echo
echo "envoy-lens dashboard: http://$HOST:$PORT/"
echo "Kubernetes API simulator (seed scenario): $sim_url"
echo "  kubectl --kubeconfig data/demo.kubeconfig get pods -o wide"
echo "  kubectl --kubeconfig data/demo.kubeconfig logs -f nginx-test-6df974c9f9-qksd4 -c envoy"
echo
npx next start -H "$HOST" -p "$PORT"
