// envoy-lens simulate: serves the built-in Kubernetes API simulator until SIGINT/SIGTERM, with a kubeconfig written for
// kubectl and client-node, and prints what to try.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Simulation, type ScenarioChoice } from '../kube/simulator/simulation.ts';
import { SEED_NGINX_POD } from '../kube/simulator/scenario/seed-scenario.ts';

export interface SimulateOptions {
  port: number;
  scenario: ScenarioChoice;
  rate?: number;
  seed: number;
  ipReuseDelayMs?: number;
  configChange?: 'hot-restart' | 'restart';
  /** Where to write the kubeconfig; a temporary file (removed on exit) when absent. */
  kubeconfigOut?: string;
}

/** Starts the simulator; resolves when a signal stopped it. */
export async function runSimulate(o: SimulateOptions, log: (line: string) => void, signal: AbortSignal): Promise<void> {
  const sim = await Simulation.start({
    port: o.port,
    scenario: o.scenario,
    seed: o.seed,
    ...(o.rate !== undefined ? { rate: o.rate } : {}),
    ...(o.ipReuseDelayMs !== undefined ? { ipReuseDelayMs: o.ipReuseDelayMs } : {}),
    ...(o.configChange ? { configChange: o.configChange } : {}),
  });
  const tempDir = o.kubeconfigOut ? undefined : await mkdtemp(path.join(tmpdir(), 'envoy-lens-sim-'));
  const kubeconfig = path.resolve(o.kubeconfigOut ?? path.join(tempDir!, 'kubeconfig'));
  try {
    await sim.writeKubeconfig(kubeconfig);
    const k = `kubectl --kubeconfig ${kubeconfig}`;
    const lines = [
      `API server: ${sim.url}`,
      `kubeconfig: ${kubeconfig}`,
      `control API: ${sim.url}/_sim (GET lists the routes)`,
      `scenario: ${sim.choice.name}${sim.choice.variant ? ` (${sim.choice.variant})` : ''}: ${sim.scenario.description}; ${sim.traffic.rate} requests/s`,
      '',
      'Try:',
      `  ${k} get pods -o wide`,
    ];
    if (sim.choice.name === 'seed') {
      lines.push(
        `  ${k} get svc,endpointslices`,
        `  ${k} logs -f ${SEED_NGINX_POD} -c envoy --timestamps`,
        `  ${k} apply -f fixtures/seed/envoy-config-headless.configmap.yaml   # the upstream turns from the Service IP into the pod IPs`,
      );
    } else {
      lines.push(`  ${k} get pods -A -o wide`, `  ${k} logs -n envoy-system -l app=node-proxy -c envoy --prefix`);
    }
    lines.push(`  curl -s -XPOST ${sim.url}/_sim/traffic -d '{"rate":50}'`, '', 'Ctrl-C stops it.');
    for (const line of lines) log(line);
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await sim.stop();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}
