#!/usr/bin/env bash
# npm run demo: the built-in Kubernetes API simulator playing the seed scenario, and the dashboard on an embedded
# SQLite database with the live collector running inside it, following the simulated Envoy sidecar.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NEXT_TELEMETRY_DISABLED=1
export DATABASE_URL="${DATABASE_URL:-file:./data/demo.db}"
PORT="${PORT:-3000}"
HOST="${HOST:-127.0.0.1}"
SIM_PORT="${SIM_PORT:-0}"

mkdir -p data
# A demo starts from a clean database: the simulated cluster is new every time.
if [ "$DATABASE_URL" = "file:./data/demo.db" ]; then rm -f data/demo.db data/demo.db-wal data/demo.db-shm; fi
node bin/envoy-lens.mjs simulate --port "$SIM_PORT" --kubeconfig-out data/demo.kubeconfig > data/simulator.out 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^Ctrl-C' data/simulator.out 2>/dev/null && break
  kill -0 "$sim_pid" 2>/dev/null || { cat data/simulator.out >&2; echo "demo: the simulator did not start" >&2; exit 1; }
  sleep 0.2
done
sim_url=$(sed -n 's/^API server: //p' data/simulator.out)
npm run --silent db:migrate >/dev/null

if [ ! -f .next/BUILD_ID ] || [ -n "$(find app lib instrumentation.ts next.config.js -newer .next/BUILD_ID -name '*.*' -not -path 'lib/generated/*' -print -quit)" ]; then
  echo "demo: building the dashboard (about a minute the first time)"
  npx next build >/dev/null
fi
echo
echo "envoy-lens dashboard: http://$HOST:$PORT/   (the live collector runs inside it)"
echo "Kubernetes API simulator (seed scenario): $sim_url"
echo "  kubectl --kubeconfig data/demo.kubeconfig get pods -o wide"
echo "  kubectl --kubeconfig data/demo.kubeconfig apply -f fixtures/seed/envoy-config-headless.configmap.yaml"
echo
ENVOY_LENS_COLLECT_KUBECONFIG=data/demo.kubeconfig npx next start -H "$HOST" -p "$PORT"
