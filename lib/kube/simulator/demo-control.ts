// What the dashboard's demo panel can ask of the simulator: switch the seed Envoy to the headless Service (or back),
// restart the Envoy, churn a backend pod, change the traffic rate. A thin client of the simulator's control API
// (/_sim/), which only the demo knows the address of.
import { z } from 'zod';

export const demoActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('config'), variant: z.enum(['clusterip', 'headless']) }),
  z.object({ action: z.literal('restart-envoy') }),
  z.object({ action: z.literal('churn') }),
  z.object({ action: z.literal('rate'), rate: z.number().int().min(0).max(2000) }),
]);
export type DemoAction = z.infer<typeof demoActionSchema>;

export interface DemoState {
  rate: number;
  paused: boolean;
  pods: { name: string; ip: string | null; restarts: number }[];
}

const statusSchema = z.object({
  traffic: z.object({ rate: z.number(), paused: z.boolean() }),
  pods: z.array(z.object({ namespace: z.string(), name: z.string(), ip: z.string().nullable().optional(), terminating: z.boolean().optional(), containers: z.array(z.object({ name: z.string(), restartCount: z.number() })) })),
});

async function call(base: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(new URL(path, base), {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`simulator ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}

export async function demoState(simulatorUrl: string): Promise<DemoState> {
  const s = statusSchema.parse(await call(simulatorUrl, '/_sim/status'));
  return {
    rate: s.traffic.rate,
    paused: s.traffic.paused,
    pods: s.pods.filter((p) => !p.terminating).map((p) => ({ name: `${p.namespace}/${p.name}`, ip: p.ip ?? null, restarts: p.containers.reduce((n, c) => n + c.restartCount, 0) })),
  };
}

/** Carries out one action; resolves with a sentence saying what was done. */
export async function runDemoAction(simulatorUrl: string, a: DemoAction): Promise<string> {
  switch (a.action) {
    case 'config':
      await call(simulatorUrl, '/_sim/seed-config', { variant: a.variant });
      return a.variant === 'headless'
        ? 'The Envoy config now points at the headless Service: Envoy will balance over the backend pod IPs.'
        : 'The Envoy config points at the ClusterIP Service again: the upstream becomes the Service IP.';
    case 'restart-envoy': {
      const pods = (await demoState(simulatorUrl)).pods.filter((p) => p.name.startsWith('default/nginx-test-'));
      if (!pods[0]) throw new Error('no nginx-test pod is running');
      const name = pods[0].name.slice('default/'.length);
      await call(simulatorUrl, `/_sim/pods/default/${encodeURIComponent(name)}/containers/envoy/restart`, {});
      return `Restarted the Envoy container of ${name}: the collector reads the old instance to its end, then follows the new one.`;
    }
    case 'churn':
      await call(simulatorUrl, '/_sim/workloads/default/backend/churn', {});
      return 'Deleted the oldest backend pod; its replacement starts at once (with a new IP).';
    case 'rate':
      await call(simulatorUrl, '/_sim/traffic', { rate: a.rate, paused: a.rate === 0 });
      return a.rate === 0 ? 'Traffic paused.' : `Traffic at ${a.rate} requests/s.`;
  }
}
