// The simulator's control API under /_sim/ (never under /api, so no Kubernetes client stumbles on it): drive the
// scenario (traffic, restarts, churn, config), inject faults (dropped or stalled streams, rotation, partial records,
// 410, 5xx/403/429), and read the ground truth (every line written per container instance). JSON in and out; bad
// input is a 400 naming the field.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { StreamAction } from './api/open-streams.ts';
import { KubeletError } from './cluster/kubelet.ts';
import { seedConfigMap } from './scenario/seed-scenario.ts';
import type { Simulation } from './simulation.ts';
import { simulationStatus, writtenRecords } from './simulation-status.ts';

const MAX_BODY = 4 * 1024 * 1024;
/** Client requests per second; more would keep the event loop from serving the API. */
const MAX_RATE = 100_000;
/** Requests one manual advance may generate (it runs inside one HTTP request). */
const MAX_REQUESTS_PER_ADVANCE = 2_000_000;

class ControlError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const name = z.string().min(1).max(253);
const schemas = {
  traffic: z.strictObject({ rate: z.number().min(0).max(MAX_RATE).optional(), paused: z.boolean().optional() }),
  scenario: z.strictObject({ name: z.enum(['seed', 'large']), variant: z.enum(['clusterip', 'headless']).optional(), rate: z.number().min(0).max(MAX_RATE).optional() }),
  seedConfig: z.strictObject({ variant: z.enum(['clusterip', 'headless']) }),
  settings: z.strictObject({
    ipReuseDelayMs: z.number().int().min(0).optional(),
    terminationMs: z.number().int().min(0).optional(),
    crashBackoffMs: z.number().int().min(10).optional(),
    crashRunMs: z.number().int().min(0).optional(),
    configChange: z.enum(['hot-restart', 'restart']).optional(),
    configPropagationMs: z.number().int().min(0).optional(),
  }),
  restart: z.strictObject({
    exitCode: z.number().int().min(0).max(255).optional(),
    crashLoop: z.strictObject({ times: z.number().int().min(1).max(100), backoffMs: z.number().int().min(10).optional() }).optional(),
  }),
  lines: z.strictObject({ lines: z.array(z.string().max(1024 * 1024)).min(1).max(10_000), sameTime: z.boolean().optional() }),
  longLine: z.strictObject({ bytes: z.number().int().min(1).max(1024 * 1024) }),
  empty: z.strictObject({}),
  delete: z.strictObject({ gracePeriodSeconds: z.number().int().min(0).optional() }),
  scale: z.strictObject({ replicas: z.number().int().min(0).max(200) }),
  streams: z.strictObject({
    kind: z.enum(['log', 'watch']).optional(),
    namespace: name.optional(),
    pod: name.optional(),
    container: name.optional(),
    containerID: z.string().optional(),
    resource: name.optional(),
  }),
  expire: z.strictObject({ next: z.number().int().min(0).max(1000).optional(), compact: z.boolean().optional() }),
  fault: z.strictObject({
    pathPrefix: z.string().startsWith('/'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional(),
    watch: z.boolean().optional(),
    code: z.union([z.literal(403), z.literal(429), z.literal(500), z.literal(503)]),
    count: z.number().int().min(1).max(100_000),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  }),
  latency: z.strictObject({ pathPrefix: z.string().startsWith('/'), ms: z.number().int().min(0).max(600_000), count: z.number().int().min(1).optional() }),
  advance: z.strictObject({ ms: z.number().min(0).max(24 * 3600 * 1000) }),
};

const ROUTES = [
  'GET  /_sim/status                                   scenario, rate, streams, counters per container instance',
  'GET  /_sim/written?namespace&pod&container&containerID&fields=a,b   every record written (NDJSON): the ground truth',
  'GET  /_sim/workloads                                workloads, replica counts, pods',
  'POST /_sim/traffic {rate?, paused?}',
  'POST /_sim/scenario {name: seed|large, variant?, rate?}',
  'POST /_sim/seed-config {variant: clusterip|headless}      apply the seed ConfigMap, as kubectl apply would',
  'POST /_sim/settings {ipReuseDelayMs?, terminationMs?, crashBackoffMs?, crashRunMs?, configChange?, configPropagationMs?}',
  'POST /_sim/pods/NS/POD/containers/C/restart {exitCode?, crashLoop?: {times, backoffMs?}}',
  'POST /_sim/pods/NS/POD/containers/C/lines {lines: [...], sameTime?}',
  'POST /_sim/pods/NS/POD/containers/C/long-line {bytes}   an access line split into 16 KiB partial records',
  'POST /_sim/pods/NS/POD/containers/C/rotate',
  'POST /_sim/pods/NS/POD/delete {gracePeriodSeconds?}',
  'POST /_sim/workloads/NS/NAME/scale {replicas}',
  'POST /_sim/workloads/NS/NAME/churn {gracePeriodSeconds?}   delete the oldest pod; the replacement starts at once',
  'POST /_sim/streams/end|drop|stall {kind?, namespace?, pod?, container?, containerID?, resource?}',
  'POST /_sim/watches/expire {next?, compact?}   the next N watches get 410 Expired; compact forgets watch history',
  'POST /_sim/faults {pathPrefix, method?, watch?, code: 403|429|500|503, count, retryAfterSeconds?}',
  'POST /_sim/latency {pathPrefix, ms, count?}',
  'GET  /_sim/faults   DELETE /_sim/faults',
  'POST /_sim/advance {ms}   manual clock only',
];

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ControlError(413, `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ControlError(400, `the body is not JSON: ${(e as Error).message}`);
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : 'body';
  throw new ControlError(400, `${where}: ${issue.message}`);
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body, null, 1);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function handleControlRequest(sim: Simulation, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    await route(sim, req, res, url);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ControlError || err instanceof KubeletError) return send(res, err.code, { error: err.message });
    send(res, 500, { error: err instanceof Error ? err.message : String(err) });
  }
}

async function route(sim: Simulation, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  const segs = path.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
  const body = method === 'POST' ? await readBody(req) : undefined;
  // Every change happens at "now": traffic up to now was written with the state before it.
  sim.catchUp();
  const key = `${method} ${segs.map((s, i) => (isVariable(segs, i) ? ':' : s)).join('/')}`;
  const ok = (extra: Record<string, unknown> = {}) => send(res, 200, { ok: true, ...extra });

  switch (key) {
    case 'GET ':
      return send(res, 200, { routes: ROUTES });
    case 'GET status':
      return send(res, 200, simulationStatus(sim));
    case 'GET written':
      return writtenRecords(sim, url.searchParams, res);
    case 'GET workloads':
      return send(res, 200, sim.workloads.list().map((w) => ({ namespace: w.workload.namespace, name: w.workload.name, kind: w.workload.kind, replicas: w.replicas, pods: w.pods })));
    case 'POST traffic': {
      const b = parse(schemas.traffic, body);
      if (b.rate !== undefined) sim.traffic.rate = b.rate;
      if (b.paused !== undefined) sim.traffic.paused = b.paused;
      return ok({ rate: sim.traffic.rate, paused: sim.traffic.paused });
    }
    case 'POST scenario': {
      const b = parse(schemas.scenario, body);
      if (b.variant && b.name !== 'seed') throw new ControlError(400, 'variant: only the seed scenario has variants');
      sim.switchScenario({ name: b.name, ...(b.variant ? { variant: b.variant } : {}) }, b.rate);
      return ok({ scenario: b.name });
    }
    case 'POST seed-config': {
      const b = parse(schemas.seedConfig, body);
      const wanted = seedConfigMap(b.variant);
      const current = sim.store.get('configmaps', 'default', 'envoy-config');
      if (!current) throw new ControlError(409, 'there is no ConfigMap default/envoy-config (is the seed scenario running?)');
      sim.store.update({ ...current, data: wanted.data, metadata: { ...current.metadata, resourceVersion: undefined } });
      return ok({ variant: b.variant });
    }
    case 'POST settings': {
      const b = parse(schemas.settings, body);
      if (b.ipReuseDelayMs !== undefined) sim.setIpReuseDelay(b.ipReuseDelayMs);
      for (const k of ['terminationMs', 'crashBackoffMs', 'crashRunMs', 'configChange', 'configPropagationMs'] as const) {
        if (b[k] !== undefined) (sim.settings as unknown as Record<string, unknown>)[k] = b[k];
      }
      return ok({ settings: sim.settings });
    }
    case 'POST pods/:/:/containers/:/restart': {
      const b = parse(schemas.restart, body);
      const pod = sim.kubelet.restartContainer(segs[1]!, segs[2]!, segs[4]!, b);
      const c = pod.containers.find((x) => x.spec.name === segs[4])!;
      return ok({ containerID: c.instance?.containerID, restartCount: c.restartCount, state: c.state });
    }
    case 'POST pods/:/:/containers/:/lines': {
      const b = parse(schemas.lines, body);
      const pod = livePod(sim, segs[1]!, segs[2]!);
      const now = sim.clock.now();
      let written = 0;
      b.lines.forEach((line, i) => {
        if (sim.kubelet.write(pod, segs[4]!, line, b.sameTime ? now : now + i * 0.001)) written++;
      });
      if (written === 0) throw new ControlError(409, `container ${segs[4]} of ${segs[1]}/${segs[2]} is not running`);
      return ok({ written });
    }
    case 'POST pods/:/:/containers/:/long-line': {
      const b = parse(schemas.longLine, body);
      const pod = livePod(sim, segs[1]!, segs[2]!);
      const container = pod.containers.find((c) => c.spec.name === segs[4]);
      if (!container?.envoy) throw new ControlError(409, `container ${segs[4]} of ${segs[1]}/${segs[2]} is not a running Envoy`);
      const r = sim.traffic.longRequest({ pod, container, envoy: container.envoy }, sim.clock.now(), b.bytes);
      const records = container.instance!.lines.filter((l) => l.requestId === r.requestId).length;
      return ok({ requestId: r.requestId, records });
    }
    case 'POST pods/:/:/containers/:/rotate': {
      parse(schemas.empty, body);
      const pod = livePod(sim, segs[1]!, segs[2]!);
      const c = pod.containers.find((x) => x.spec.name === segs[4]);
      if (!c?.instance) throw new ControlError(404, `pod ${segs[1]}/${segs[2]} has no container ${segs[4]}`);
      c.instance.rotate();
      return ok({ containerID: c.instance.containerID });
    }
    case 'POST pods/:/:/delete': {
      const b = parse(schemas.delete, body);
      const gone = sim.kubelet.deletePod(segs[1]!, segs[2]!, b.gracePeriodSeconds);
      return ok({ deletionTimestamp: gone.metadata.deletionTimestamp ?? null });
    }
    case 'POST workloads/:/:/scale': {
      const b = parse(schemas.scale, body);
      sim.workloads.scale(segs[1]!, segs[2]!, b.replicas);
      return ok({ replicas: b.replicas });
    }
    case 'POST workloads/:/:/churn': {
      const b = parse(schemas.delete, body);
      const deleted = sim.workloads.churn(segs[1]!, segs[2]!, b.gracePeriodSeconds);
      return ok({ deleted });
    }
    case 'POST streams/end':
    case 'POST streams/drop':
    case 'POST streams/stall': {
      const b = parse(schemas.streams, body);
      const affected = sim.api.streams.apply(segs[1] as StreamAction, b);
      return ok({ affected });
    }
    case 'POST watches/expire': {
      const b = parse(schemas.expire, body);
      if (b.compact ?? true) sim.store.compactHistory();
      sim.faults.expireNextWatches(b.next ?? 0);
      return ok({ resourceVersion: String(sim.store.resourceVersion) });
    }
    case 'POST faults': {
      const b = parse(schemas.fault, body);
      sim.faults.add({ pathPrefix: b.pathPrefix, code: b.code, remaining: b.count, ...(b.method ? { method: b.method } : {}), ...(b.watch !== undefined ? { watch: b.watch } : {}), ...(b.retryAfterSeconds !== undefined ? { retryAfterSeconds: b.retryAfterSeconds } : {}) });
      return ok(sim.faults.pending());
    }
    case 'POST latency': {
      const b = parse(schemas.latency, body);
      sim.faults.addLatency({ pathPrefix: b.pathPrefix, ms: b.ms, ...(b.count !== undefined ? { remaining: b.count } : {}) });
      return ok(sim.faults.pending());
    }
    case 'GET faults':
      return send(res, 200, { ...sim.faults.pending(), injected: sim.faults.injected });
    case 'DELETE faults':
      sim.faults.clear();
      return ok();
    case 'POST advance': {
      const b = parse(schemas.advance, body);
      if (!sim.manualClock) throw new ControlError(409, 'this simulation runs on the wall clock; advance needs a manual clock');
      const requests = sim.traffic.paused ? 0 : (sim.traffic.rate * b.ms) / 1000;
      if (requests > MAX_REQUESTS_PER_ADVANCE) {
        throw new ControlError(400, `ms: advancing ${b.ms} ms at ${sim.traffic.rate} requests/s would generate ${Math.round(requests)} requests in one call; advance in smaller steps`);
      }
      sim.advance(b.ms);
      return ok({ now: new Date(sim.clock.now()).toISOString() });
    }
    default:
      throw new ControlError(404, `no control route ${method} ${path}; GET /_sim lists them`);
  }
}

/** Which path segments are names (namespace, pod, container, workload) rather than route words. */
function isVariable(segs: string[], i: number): boolean {
  if (segs[0] === 'pods') return i === 1 || i === 2 || i === 4;
  if (segs[0] === 'workloads') return i === 1 || i === 2;
  return false;
}

function livePod(sim: Simulation, namespace: string, podName: string) {
  const pod = sim.kubelet.get(namespace, podName);
  if (!pod) throw new ControlError(404, `no pod ${namespace}/${podName}`);
  return pod;
}
