// Synthetic traffic for `npm run bench -- --scale`: Envoy sidecars in front of a backend Service, records spread
// over the last `days` days up to now, written through the collector's own store (so rollups, checkpoints and IP
// history are what a collector would leave). Seeded: the same arguments give the same records.
import { SingleBar, Presets } from 'cli-progress';
import type { AccessRecord } from '../../../lib/envoy/access-record.ts';
import { openCollectorStore } from '../../../lib/store/collector-store.ts';
import type { Attribution, IngestBatch, RecordRow } from '../../../lib/store/ingest-store.ts';

export const SERVICE_IP = '10.105.148.194';
export const BACKEND_PODS = Array.from({ length: 6 }, (_, i) => ({ name: `backend-7b9c5d8f6d-${'abcdef'[i]}x${i}q`, ip: `10.244.0.${81 + i}`, uid: `pod-uid-backend-${i}` }));
export const SIDECARS = Array.from({ length: 3 }, (_, i) => ({ name: `frontend-5f7d8c9b4-${'klm'[i]}z${i}w`, uid: `pod-uid-frontend-${i}`, ip: `10.244.1.${10 + i}` }));
const PATHS = ['/', '/api/orders', '/api/orders/42', '/api/cart', '/api/users/me', '/healthz', '/static/app.js', '/api/search?q=envoy', '/api/checkout', '/api/items'];
const AGENTS = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', 'kube-probe/1.32', 'python-requests/2.32.3', 'Go-http-client/1.1'];

/** mulberry32: small, fast and good enough for synthetic traffic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScaleSpec {
  records: number;
  days: number;
  /** Share of the third sidecar's requests sent to the Service IP (a ClusterIP leak). */
  leakShare: number;
  endMs: number;
}

/** The request id of record `i`: derived, so the bench can look one up without reading it back. */
export function requestIdOf(i: number): string {
  const h = (Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0).toString(16).padStart(8, '0');
  return `${h}-${(i >>> 0).toString(16).padStart(8, '0')}-4b1d-9c2e-${(i * 7919 >>> 0).toString(16).padStart(12, '0')}`;
}

export async function writeScaleData(url: string, spec: ScaleSpec, log: (line: string) => void): Promise<void> {
  const store = await openCollectorStore(url);
  const startMs = spec.endMs - spec.days * 86_400_000;
  const before = startMs - 3_600_000;
  for (const p of BACKEND_PODS) {
    await store.saveIp({ kind: 'pod', ip: p.ip, namespace: 'default', name: p.name, uid: p.uid, node: 'node-1', fromMs: before, toMs: null });
    await store.openEndpoint({ namespace: 'default', service: 'backend-service', ip: p.ip, pod: p.name, podUid: p.uid, fromMs: before, toMs: null });
  }
  for (const s of SIDECARS) await store.saveIp({ kind: 'pod', ip: s.ip, namespace: 'default', name: s.name, uid: s.uid, node: 'node-1', fromMs: before, toMs: null });
  await store.saveIp({ kind: 'service', ip: SERVICE_IP, namespace: 'default', name: 'backend-service', uid: 'svc-uid-backend', fromMs: before, toMs: null });
  const sources = await Promise.all(SIDECARS.map((s) => store.openSource({
    key: `pod:${s.uid}/envoy/containerd://${s.uid}`, kind: 'pod', namespace: 'default', pod: s.name, container: 'envoy', podUid: s.uid,
    containerId: `containerd://${s.uid}`, format: 'seed',
  })));

  const rnd = random(20261201);
  const step = (spec.endMs - startMs) / spec.records;
  const seqs = sources.map(() => 0);
  const rr = sources.map(() => 0);
  const bar = new SingleBar({ format: '  writing {bar} {percentage}% | {value}/{total} records | {eta_formatted} left', etaBuffer: 200 }, Presets.shades_classic);
  bar.start(spec.records, 0);
  const t0 = performance.now();
  const BATCH = 6000;
  for (let first = 0; first < spec.records; first += BATCH) {
    const batches = sources.map((): RecordRow[] => []);
    for (let i = first; i < Math.min(first + BATCH, spec.records); i++) {
      const s = i % sources.length;
      const startTime = Math.floor(startMs + i * step);
      const leak = s === 2 && rnd() < spec.leakShare;
      const pod = leak ? null : BACKEND_PODS[(rr[s] = rr[s]! + 1) % BACKEND_PODS.length]!;
      const ip = pod ? pod.ip : SERVICE_IP;
      const roll = rnd();
      const status = roll < 0.004 ? 503 : roll < 0.012 ? 500 : roll < 0.03 ? 404 : roll < 0.035 ? 302 : 200;
      const flags = status === 503 ? (roll < 0.002 ? 'UF' : 'UH') : null;
      // Log-normal-ish latency: most requests fast, a long tail.
      const durationMs = status === 503 && flags === 'UH' ? 0 : Math.max(1, Math.round(Math.exp(2.3 + 0.9 * normal(rnd))));
      const record: AccessRecord = {
        startTime, startTimeNanos: null, method: rnd() < 0.8 ? 'GET' : 'POST', path: PATHS[Math.floor(rnd() * PATHS.length)]!,
        protocol: 'HTTP/1.1', status, bytesReceived: Math.floor(rnd() * 2000), bytesSent: Math.floor(rnd() * 20000), durationMs,
        upstreamServiceTimeMs: Math.max(0, durationMs - 1), requestId: requestIdOf(i), userAgent: AGENTS[Math.floor(rnd() * AGENTS.length)]!,
        forwardedFor: null, authority: 'backend-service:10000', upstreamHost: flags === 'UH' ? null : `${ip}:10000`, upstreamIp: flags === 'UH' ? null : ip,
        upstreamPort: flags === 'UH' ? null : 10000, upstreamCluster: 'backend', responseFlags: flags, downstreamRemoteIp: SIDECARS[s]!.ip,
        ambiguousFields: null, extra: null,
      };
      const attribution: Attribution = {
        upstreamKind: flags === 'UH' ? null : pod ? 'pod' : 'service', upstreamNamespace: flags === 'UH' ? null : 'default',
        upstreamPod: flags === 'UH' ? null : pod?.name ?? null, upstreamService: flags === 'UH' || pod ? null : 'backend-service', upstreamAmbiguous: false,
        downstreamKind: 'pod', downstreamNamespace: 'default', downstreamPod: SIDECARS[s]!.name,
      };
      batches[s]!.push({ seq: ++seqs[s]!, record, logTime: startTime + 2, attribution });
    }
    const items = batches.map((records, s) => ({
      sourceId: sources[s]!.sourceId,
      batch: { records, rejects: [], checkpoint: { linesRead: seqs[s]!, bytesRead: seqs[s]! * 230, fingerprint: null, watermark: null, watermarkCount: 0 } } satisfies IngestBatch,
    }));
    await store.writeBatches(items);
    bar.update(Math.min(first + BATCH, spec.records));
  }
  bar.stop();
  const seconds = (performance.now() - t0) / 1000;
  log(`  wrote ${spec.records.toLocaleString('en-US')} records in ${seconds.toFixed(0)} s (${Math.round(spec.records / seconds).toLocaleString('en-US')} records/s, rollups included)`);
  await store.close();
}

/** Box-Muller. */
function normal(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
}
