#!/usr/bin/env bash
# npm run demo: the built-in Kubernetes API simulator playing the seed scenario, and the dashboard on an embedded
# SQLite database with the live collector running inside it, following the simulated Envoy sidecar, and the demo
# panel that drives the simulator (envoy-lens serve does the build, the migrations and the serving).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NEXT_TELEMETRY_DISABLED=1
DATA="${DEMO_DATA_DIR:-data}"
export DATABASE_URL="${DATABASE_URL:-file:./$DATA/demo.db}"
PORT="${PORT:-3000}"
# Not $HOST: some shells export it as the machine name, which would expose the demo on the network.
HOST="${DEMO_HOST:-127.0.0.1}"
SIM_PORT="${SIM_PORT:-0}"

mkdir -p "$DATA"
# A demo starts from a clean database: the simulated cluster is new every time.
if [ "$DATABASE_URL" = "file:./$DATA/demo.db" ]; then rm -f "$DATA/demo.db" "$DATA/demo.db-wal" "$DATA/demo.db-shm"; fi
node bin/envoy-lens.mjs simulate --port "$SIM_PORT" --kubeconfig-out "$DATA/demo.kubeconfig" > "$DATA/simulator.out" 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^Ctrl-C' "$DATA/simulator.out" 2>/dev/null && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$DATA/simulator.out" >&2; echo "demo: the simulator did not start" >&2; exit 1; }
  sleep 0.2
done
sim_url=$(sed -n 's/^API server: //p' "$DATA/simulator.out")
echo
echo "Kubernetes API simulator (seed scenario): $sim_url"
echo "  kubectl --kubeconfig $DATA/demo.kubeconfig get pods -o wide"
echo "  kubectl --kubeconfig $DATA/demo.kubeconfig apply -f fixtures/seed/envoy-config-headless.configmap.yaml"
echo "  or use the demo panel at the top of the dashboard"
echo
# The dashboard with the live collector inside it and the demo panel driving the simulator.
node bin/envoy-lens.mjs serve --db "$DATABASE_URL" --host "$HOST" --port "$PORT" --collect --kubeconfig "$DATA/demo.kubeconfig" --simulator-url "$sim_url"
