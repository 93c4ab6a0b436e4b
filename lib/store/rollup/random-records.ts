// Test data for the rollups: seeded random records spread over days, with every dimension the rollups keep (sources
// in two namespaces, clusters, pod / Service / bare-IP upstreams, statuses with and without a response, flags,
// durations from 0 ms to timeouts, missing fields), written through the real ingest store.
import type { AccessRecord } from '../../envoy/access-record.ts';
import { seededRandom } from '../../sample/seeded-random.ts';
import type { Attribution, IngestBatch, IngestStore, RecordRow } from '../ingest-store.ts';

export const HOUR = 3_600_000;

export interface RandomRecordOptions {
  seed: number;
  /** Epoch ms of the first record. */
  start: number;
  /** How long the records span, ms. */
  spanMs: number;
  count: number;
}

const upstreams: { host: string | null; cluster: string | null; a: Attribution | undefined }[] = [
  { host: '10.244.0.81:10000', cluster: 'backend', a: attribution('pod', 'backend-1') },
  { host: '10.244.0.82:10000', cluster: 'backend', a: attribution('pod', 'backend-2', true) },
  { host: '10.105.148.194:10000', cluster: 'backend', a: attribution('service', null, false, 'backend-svc') },
  { host: '203.0.113.9:443', cluster: 'external', a: attribution('external', null) },
  { host: '10.244.0.83:8080', cluster: 'other', a: undefined },
  { host: null, cluster: 'backend', a: undefined },
  { host: null, cluster: null, a: undefined },
];
const statuses: [number | null, string | null, number][] = [
  [200, null, 0.8], [201, null, 0.03], [404, null, 0.05], [500, null, 0.03], [503, 'UH', 0.02], [503, 'UF,URX', 0.02],
  [503, 'NR', 0.01], [503, null, 0.01], [504, 'UT', 0.01], [0, 'DC', 0.01], [null, 'DC', 0.01],
];

function attribution(kind: Attribution['upstreamKind'], pod: string | null, ambiguous = false, service: string | null = null): Attribution {
  return {
    upstreamKind: kind, upstreamNamespace: kind === 'external' ? null : 'default', upstreamPod: pod, upstreamService: service,
    upstreamAmbiguous: ambiguous, downstreamKind: null, downstreamNamespace: null, downstreamPod: null,
  };
}

function pickStatus(rand: () => number): [number | null, string | null] {
  let r = rand();
  for (const [status, flags, weight] of statuses) if ((r -= weight) < 0) return [status, flags];
  return [200, null];
}

export interface RandomRow extends RecordRow {
  /** Which source (0..sources-1) wrote it. */
  source: number;
}

/** `count` records, in bursts and lulls, sorted by time; a few without a start time or a duration. */
export function randomRecords(o: RandomRecordOptions): RandomRow[] {
  const rand = seededRandom(o.seed);
  const rows: RandomRow[] = [];
  for (let i = 0; i < o.count; i++) {
    // Bursty: most records in a few busy stretches, the rest spread out.
    const u = rand();
    const t = o.start + Math.floor((rand() < 0.6 ? (Math.floor(u * 5) + rand() * 0.05) / 5 : u) * o.spanMs);
    const up = upstreams[Math.floor(rand() * upstreams.length)]!;
    const [status, flags] = pickStatus(rand);
    const duration = rand() < 0.03 ? null : status === 504 ? 15_000 : Math.floor(Math.exp(rand() * 7 + (rand() < 0.05 ? 2 : 0)));
    const ip = up.host ? up.host.split(':')[0]! : null;
    const record: AccessRecord = {
      startTime: rand() < 0.01 ? null : t, startTimeNanos: null, method: 'GET', path: rand() < 0.5 ? '/api/items' : '/web', protocol: 'HTTP/1.1',
      status, bytesReceived: 0, bytesSent: 100, durationMs: duration, upstreamServiceTimeMs: null, requestId: `req-${i}`,
      userAgent: null, forwardedFor: null, authority: null, upstreamHost: up.host, upstreamIp: ip, upstreamPort: up.host ? Number(up.host.split(':')[1]) : null,
      upstreamCluster: up.cluster, responseFlags: flags, downstreamRemoteIp: null, ambiguousFields: null, extra: null,
    };
    rows.push({ source: Math.floor(rand() * 3), seq: i + 1, record, ...(up.a ? { attribution: up.a } : {}) });
  }
  return rows.sort((a, b) => (a.record.startTime ?? 0) - (b.record.startTime ?? 0));
}

/** The sources the rows name: two pods in `default`, one in `other`. */
export const RANDOM_SOURCES = [
  { key: 'pod:a', kind: 'pod' as const, namespace: 'default', pod: 'nginx-a', container: 'envoy', format: 'f' },
  { key: 'pod:b', kind: 'pod' as const, namespace: 'default', pod: 'nginx-b', container: 'envoy', format: 'f' },
  { key: 'pod:c', kind: 'pod' as const, namespace: 'other', pod: 'nginx-c', container: 'envoy', format: 'f' },
];

/** Writes the rows through the store in batches of random size, several sources per transaction. */
export async function ingestRandom(store: IngestStore, rows: RandomRow[], seed = 1): Promise<number> {
  const rand = seededRandom(seed);
  const ids = [];
  for (const s of RANDOM_SOURCES) ids.push((await store.openSource(s)).sourceId);
  let added = 0;
  for (let i = 0; i < rows.length;) {
    const n = 1 + Math.floor(rand() * 2000);
    const chunk = rows.slice(i, i + n);
    i += n;
    const items = ids.map((sourceId, k) => ({
      sourceId,
      batch: { records: chunk.filter((r) => r.source === k), rejects: [], checkpoint: { linesRead: i, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 } } satisfies IngestBatch,
    }));
    for (const r of await store.writeBatches(items)) added += r.recordsAdded;
  }
  return added;
}
