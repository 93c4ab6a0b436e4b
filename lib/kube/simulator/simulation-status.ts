// What the simulation reports about itself: the scenario and its settings, open streams, and the ground truth tests
// compare a collector against: per container instance, how many records and access-log lines were written, and the
// records themselves.
import type { ServerResponse } from 'node:http';
import type { ContainerInstance } from './api/container-logs.ts';
import type { Simulation } from './simulation.ts';

export interface InstanceCounters {
  namespace: string;
  pod: string;
  podUid?: string;
  container: string;
  containerID: string;
  restartCount: number;
  running: boolean;
  /** Still reachable through the log API (not garbage-collected, pod not deleted). */
  reachable: boolean;
  startedAt: string;
  finishedAt?: string;
  exitCode?: number;
  /** Records written (a long line split into partials counts each part). */
  records: number;
  /** Access-log lines written (whole lines, not partial records). */
  accessLines: number;
  /** Records lost to rotation beyond the kept files. */
  dropped: number;
  /** Records in the current log file: what tailLines and sinceTime can still reach. */
  inCurrentFile: number;
  firstTime?: string;
  lastTime?: string;
}

function counters(i: ContainerInstance, reachable: Set<ContainerInstance>): InstanceCounters {
  let accessLines = 0;
  for (const l of i.lines) if (l.requestId && !l.partial) accessLines++;
  return {
    namespace: i.ref.namespace,
    pod: i.ref.pod,
    ...(i.ref.podUid ? { podUid: i.ref.podUid } : {}),
    container: i.ref.container,
    containerID: i.containerID,
    restartCount: i.restartCount,
    running: i.running,
    reachable: reachable.has(i),
    startedAt: i.startedAt,
    ...(i.finishedAt ? { finishedAt: i.finishedAt } : {}),
    ...(i.exitCode !== undefined ? { exitCode: i.exitCode } : {}),
    records: i.written,
    accessLines,
    dropped: i.dropped,
    inCurrentFile: i.currentFile().length,
    ...(i.lines[0] ? { firstTime: i.lines[0].time } : {}),
    ...(i.lastTime ? { lastTime: i.lastTime } : {}),
  };
}

export function simulationStatus(sim: Simulation) {
  const reachable = new Set(sim.logs.reachable());
  const api = sim.api;
  return {
    scenario: sim.choice,
    description: sim.scenario.description,
    now: new Date(sim.clock.now()).toISOString(),
    manualClock: !!sim.manualClock,
    traffic: { rate: sim.traffic.rate, paused: sim.traffic.paused, ...sim.traffic.stats },
    settings: sim.settings,
    resourceVersion: String(sim.store.resourceVersion),
    streams: { logs: api.streams.count('log'), watches: api.streams.count('watch') },
    apiRequests: api.requests(),
    faults: { ...sim.faults.pending(), injected: sim.faults.injected },
    pods: sim.pods().map((p) => ({
      namespace: p.namespace, name: p.name, uid: p.uid, node: p.node, ip: p.ip, terminating: p.deletingSince !== undefined,
      containers: p.containers.map((c) => ({ name: c.spec.name, restartCount: c.restartCount, state: Object.keys(c.state)[0], containerID: c.instance?.containerID })),
    })),
    instances: sim.logs.all().map((i) => counters(i, reachable)),
  };
}

const RECORD_FIELDS = ['namespace', 'pod', 'podUid', 'container', 'containerID', 'restartCount', 'time', 'text', 'partial', 'requestId'] as const;
type RecordField = (typeof RECORD_FIELDS)[number];

/** Streams every retained record as NDJSON, filtered by namespace/pod/container/containerID, with chosen fields. */
export async function writtenRecords(sim: Simulation, q: URLSearchParams, res: ServerResponse): Promise<void> {
  const fieldsParam = q.get('fields');
  const fields = fieldsParam ? fieldsParam.split(',').map((f) => f.trim()) : [...RECORD_FIELDS];
  const unknown = fields.filter((f) => !(RECORD_FIELDS as readonly string[]).includes(f));
  if (unknown.length) {
    const text = JSON.stringify({ error: `fields: unknown ${unknown.join(', ')}; choose from ${RECORD_FIELDS.join(', ')}` });
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(text);
    return;
  }
  const want = new Set(fields as RecordField[]);
  const filter = { namespace: q.get('namespace'), pod: q.get('pod'), container: q.get('container'), containerID: q.get('containerID') };
  const accessOnly = q.get('access') === 'true';
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
  let chunk = '';
  for (const i of sim.logs.all()) {
    if (filter.namespace && i.ref.namespace !== filter.namespace) continue;
    if (filter.pod && i.ref.pod !== filter.pod) continue;
    if (filter.container && i.ref.container !== filter.container) continue;
    if (filter.containerID && i.containerID !== filter.containerID) continue;
    const base: Record<string, unknown> = {
      namespace: i.ref.namespace, pod: i.ref.pod, podUid: i.ref.podUid, container: i.ref.container,
      containerID: i.containerID, restartCount: i.restartCount,
    };
    for (const line of i.lines) {
      if (accessOnly && (!line.requestId || line.partial)) continue;
      const all: Record<string, unknown> = { ...base, time: line.time, text: line.text, partial: line.partial, requestId: line.requestId };
      const out: Record<string, unknown> = {};
      for (const f of want) if (all[f] !== undefined) out[f] = all[f];
      chunk += JSON.stringify(out) + '\n';
      if (chunk.length > 64 * 1024) {
        // Hundreds of thousands of records must not pile up in memory: wait for the client when it is slower.
        if (!res.write(chunk)) await drainOrClose(res);
        chunk = '';
        if (res.destroyed) return;
      }
    }
  }
  res.end(chunk);
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
