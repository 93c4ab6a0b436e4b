// The chart queries on every database: the same records give the same counts per bucket, status, duration and
// upstream on SQLite and PostgreSQL, under every dashboard filter.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chartWindow } from '../analysis/chart-window.ts';
import { latencyPercentiles, mergeCounts } from '../analysis/percentiles.ts';
import type { AccessRecord } from '../envoy/access-record.ts';
import { testBackends, type TestDatabase } from '../testing/test-databases.ts';
import { OTHER_UPSTREAMS, openChartStore, type ChartStore, type StatusCount } from './chart-store.ts';
import { openIngestStore, type RecordRow } from './ingest-store.ts';
import { withDatabase } from './postgres/pg-config.ts';
import { openPostgresChartStore } from './postgres/postgres-chart-store.ts';
import type { RecordFilter } from './queries/record-filter.ts';
import { HISTOGRAM_MAX_RELATIVE_ERROR } from './rollup/duration-histogram.ts';
import { HOUR, ingestRandom, randomRecords } from './rollup/random-records.ts';
import { openSqliteChartStore } from './sqlite/sqlite-chart-store.ts';

process.env.TZ = 'America/Los_Angeles';

const empty: AccessRecord = {
  startTime: null, startTimeNanos: null, method: null, path: null, protocol: null, status: null, bytesReceived: null,
  bytesSent: null, durationMs: null, upstreamServiceTimeMs: null, requestId: null, userAgent: null, forwardedFor: null,
  authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: null, responseFlags: null,
  downstreamRemoteIp: null, ambiguousFields: null, extra: null,
};

interface Line {
  ms: number | null;
  status: number | null;
  flags?: string | null;
  duration: number | null;
  path: string;
  pod?: string | null;
  service?: string | null;
  ip?: string | null;
  requestId?: string;
  cluster?: string;
}

const row = (seq: number, l: Line): RecordRow => ({
  seq,
  record: {
    ...empty, startTime: l.ms, status: l.status, responseFlags: l.flags ?? null, durationMs: l.duration, path: l.path,
    upstreamIp: l.ip ?? null, upstreamHost: l.ip ? `${l.ip}:80` : null, requestId: l.requestId ?? `r${seq}`, upstreamCluster: l.cluster ?? 'backend',
  },
  attribution: {
    upstreamKind: l.pod ? 'pod' : l.service ? 'service' : null, upstreamNamespace: null, upstreamPod: l.pod ?? null,
    upstreamService: l.service ?? null, upstreamAmbiguous: false, downstreamKind: null, downstreamNamespace: null, downstreamPod: null,
  },
});

const b1 = { pod: 'backend-1', ip: '10.244.0.1' };
const b2 = { pod: 'backend-2', ip: '10.244.0.2' };

// Source a (default/nginx-a) and b (other/nginx-b). Bucket 0 is [1_000_000, 1_010_000), bucket 1 the next 10 s.
const fromA: Line[] = [
  { ms: 1_000_000, status: 200, duration: 10, path: '/api/x', ...b1 },
  { ms: 1_005_000, status: 200, duration: 20, path: '/api/y', ...b1 },
  { ms: 1_009_999, status: 503, flags: 'UF,URX', duration: 30, path: '/api/x', ...b2 },
  { ms: 1_012_000, status: 404, flags: 'NR', duration: 1, path: '/nope' },
  { ms: 1_019_000, status: 200, duration: 40, path: '/api/z', service: 'backend-svc', ip: '10.96.0.10' },
  { ms: null, status: 200, duration: 5, path: '/api/x', ...b1 },
  // Unicode paths: prefixes compare by code point, case kept.
  { ms: 1_003_000, status: 201, duration: 7, path: '/caf\u00e9/men\u00fc', ...b1, cluster: 'web' },
  { ms: 1_003_001, status: 201, duration: 8, path: '/caf\u00e9/\u{1F600}', ...b1, cluster: 'web' },
  { ms: 1_003_002, status: 201, duration: 9, path: '/CAF\u00c9/x', ...b1, cluster: 'web' },
  { ms: 1_003_003, status: 0, duration: 2, path: '/cafe/x', ...b1, cluster: 'web', requestId: 'same-id' },
];
const fromB: Line[] = [
  { ms: 1_010_000, status: 200, duration: 10, path: '/web', ...b1, requestId: 'same-id' },
  { ms: 1_015_000, status: null, flags: 'DC', duration: null, path: '/web' },
  { ms: 2_000_000, status: 200, duration: 5, path: '/web', ...b2 },
];

for (const backend of testBackends) {
  describe(backend.kind, () => {
    let db: TestDatabase;
    let store: ChartStore;
    const grid = { originMs: 1_000_000, bucketMs: 10_000 };
    const window = { since: 1_000_000, until: 1_020_000 };

    before(async () => {
      db = await backend.create({ name: 'chart-store' });
      const ingest = await openIngestStore(db.url);
      const source = (key: string, namespace: string, pod: string) => ingest.openSource({ key, kind: 'pod', namespace, pod, container: 'envoy', format: 'f' });
      const a = (await source('pod:a', 'default', 'nginx-a')).sourceId;
      const b = (await source('pod:b', 'other', 'nginx-b')).sourceId;
      const checkpoint = { linesRead: 0, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 };
      await ingest.writeBatches([
        { sourceId: a, batch: { records: fromA.map((l, i) => row(i + 1, l)), rejects: [], checkpoint } },
        { sourceId: b, batch: { records: fromB.map((l, i) => row(i + 1, l)), rejects: [], checkpoint } },
      ]);
      await ingest.close();
      store = (await openChartStore(db.url))!;
    });
    after(async () => {
      store?.close();
      await db?.remove();
    });

    test('record span: first and last start time of the records the filter selects', async () => {
      assert.deepEqual(await store.recordSpan({}), { firstMs: 1_000_000, lastMs: 2_000_000, records: 12 });
      assert.deepEqual(await store.recordSpan({ namespace: 'other' }), { firstMs: 1_010_000, lastMs: 2_000_000, records: 3 });
      assert.deepEqual(await store.recordSpan({ sourcePod: 'nginx-a', until: 1_003_001 }), { firstMs: 1_000_000, lastMs: 1_003_000, records: 2 });
      assert.equal(await store.recordSpan({ since: 3_000_000 }), null);
    });

    test('status counts per bucket, status and flags', async () => {
      assert.deepEqual(await store.statusCounts({ ...window, cluster: 'backend' }, grid), [
        { bucket: 0, status: 200, responseFlags: null, count: 2 },
        { bucket: 0, status: 503, responseFlags: 'UF,URX', count: 1 },
        { bucket: 1, status: null, responseFlags: 'DC', count: 1 },
        { bucket: 1, status: 200, responseFlags: null, count: 2 },
        { bucket: 1, status: 404, responseFlags: 'NR', count: 1 },
      ]);
      const other = (await store.statusCounts({ ...window, namespace: 'other' }, grid)).map((r) => [r.bucket, r.status, r.count]);
      assert.deepEqual(other, [[1, null, 1], [1, 200, 1]]);
      // A grid whose origin is after some records: their buckets are negative, truncated toward zero as SQLite does.
      const shifted = (await store.statusCounts({ ...window, cluster: 'backend' }, { originMs: 1_005_000, bucketMs: 10_000 })).map((r) => [r.bucket, r.status, r.count]);
      assert.deepEqual(shifted, [[0, 200, 3], [0, 404, 1], [0, 503, 1], [1, null, 1], [1, 200, 1]]);
      await assert.rejects(store.statusCounts(window, { originMs: 0.5, bucketMs: 1000 }), RangeError);
    });

    test('duration counts per bucket; records without a duration left out', async () => {
      const rows = (await store.durationCounts({ ...window, cluster: 'backend' }, grid)).map((r) => [r.bucket, r.durationMs, r.count]);
      assert.deepEqual(rows, [[0, 10, 1], [0, 20, 1], [0, 30, 1], [1, 1, 1], [1, 10, 1], [1, 40, 1]]);
      const api = (await store.durationCounts({ ...window, pathPrefix: '/api/x' }, grid)).map((r) => [r.bucket, r.durationMs, r.count]);
      assert.deepEqual(api, [[0, 10, 1], [0, 30, 1]]);
    });

    test('filters: path prefixes by code point (unicode, case kept), no response, upstream, request id, cluster, source', async () => {
      const durations = async (f: RecordFilter) => (await store.durationCounts({ ...window, ...f }, { originMs: 0, bucketMs: 1 })).map((r) => r.durationMs);
      assert.deepEqual(await durations({ pathPrefix: '/caf\u00e9/' }), [7, 8]);
      assert.deepEqual(await durations({ pathPrefix: '/caf\u00e9/\u{1F600}' }), [8]);
      assert.deepEqual(await durations({ pathPrefix: '/caf' }), [7, 8, 2]);
      assert.deepEqual(await durations({ pathPrefix: '/CAF' }), [9]);
      assert.deepEqual(await durations({ pathPrefix: '/caf\u00e9/men\u00fc/' }), []);
      assert.deepEqual(await durations({ pathPrefix: '' }), await durations({}));
      assert.deepEqual(await durations({ statusClass: 0 }), [2]);
      assert.equal((await store.recordSpan({ ...window, statusClass: 0 }))?.records, 2);
      assert.deepEqual(await durations({ statusClass: 2, cluster: 'web' }), [7, 8, 9]);
      assert.deepEqual(await durations({ upstream: '10.244.0.2' }), [30]);
      assert.deepEqual(await durations({ upstream: '10.96.0.10:80' }), [40]);
      assert.deepEqual(await durations({ requestId: 'same-id' }), [2, 10]);
      assert.deepEqual(await durations({ requestId: 'same-id', namespace: 'other', sourcePod: 'nginx-b' }), [10]);
      assert.deepEqual(await durations({ sourcePod: 'nginx-b', namespace: 'default' }), []);
    });

    test('top upstreams: pod, else Service, else IP; busiest first, ties by name', async () => {
      assert.deepEqual(await store.topUpstreams({ ...window, cluster: 'backend' }, 10), [
        { upstream: 'backend-1', records: 3, timed: 3 },
        { upstream: 'backend-2', records: 1, timed: 1 },
        { upstream: 'backend-svc', records: 1, timed: 1 },
      ]);
      assert.deepEqual((await store.topUpstreams({}, 1)).map((u) => u.upstream), ['backend-1']);
      assert.deepEqual((await store.topUpstreams({ ...window, upstream: '10.96.0.10' }, 5)).map((u) => u.upstream), ['backend-svc']);
    });

    test('duration counts of chosen upstreams, per bucket or over the window', async () => {
      const perBucket = (await store.upstreamDurationCounts({ ...window, cluster: 'backend' }, grid, ['backend-svc', 'backend-1'])).map((r) => [r.upstream, r.bucket, r.durationMs, r.count]);
      assert.deepEqual(perBucket, [['backend-1', 0, 10, 1], ['backend-1', 0, 20, 1], ['backend-1', 1, 10, 1], ['backend-svc', 1, 40, 1]]);
      const whole = (await store.upstreamDurationCounts({ ...window, cluster: 'backend' }, null, ['backend-1'])).map((r) => [r.upstream, r.bucket, r.durationMs, r.count]);
      assert.deepEqual(whole, [['backend-1', 0, 10, 2], ['backend-1', 0, 20, 1]]);
      assert.deepEqual(await store.upstreamDurationCounts(window, grid, []), []);
    });

    test('with the others: the listed upstreams as before, every other record under OTHER_UPSTREAMS, together the whole', async () => {
      const filter = { ...window, cluster: 'backend' };
      const listed = await store.upstreamDurationCounts(filter, grid, ['backend-1']);
      const rows = await store.upstreamDurationCounts(filter, grid, ['backend-1'], { others: true });
      assert.deepEqual(rows.filter((r) => r.upstream !== OTHER_UPSTREAMS), listed);
      assert.deepEqual(rows.filter((r) => r.upstream === OTHER_UPSTREAMS).map((r) => [r.bucket, r.durationMs, r.count]), [[0, 30, 1], [1, 1, 1], [1, 40, 1]]); // backend-2, no upstream, backend-svc
      const key = (r: { bucket: number; durationMs: number }) => `${r.bucket}/${r.durationMs}`;
      const sum = (xs: { bucket: number; durationMs: number; count: number }[]) => {
        const m = new Map<string, number>();
        for (const r of xs) m.set(key(r), (m.get(key(r)) ?? 0) + r.count);
        return [...m].sort();
      };
      assert.deepEqual(sum(rows), sum(await store.durationCounts(filter, grid)));
      const none = await store.upstreamDurationCounts(filter, null, [], { others: true });
      assert.ok(none.every((r) => r.upstream === OTHER_UPSTREAMS && r.bucket === 0));
      const total = (xs: { count: number }[]) => xs.reduce((n, r) => n + r.count, 0);
      assert.equal(total(none), total(rows));
    });

    test('a missing or unmigrated database opens as null', async () => {
      if (backend.kind === 'sqlite') {
        assert.equal(await openChartStore(`file:${path.join(db.dir, 'missing.db')}`), null);
        const blank = path.join(db.dir, 'empty.db');
        writeFileSync(blank, '');
        assert.equal(await openChartStore(`file:${blank}`), null);
        return;
      }
      assert.equal(await openChartStore(withDatabase(db.url, 'envoy_lens_no_such_database')), null);
      const bare = await backend.create({ migrated: false });
      try {
        assert.equal(await openChartStore(bare.url), null);
      } finally {
        await bare.remove();
      }
    });
  });
}

// Over long ranges whole minutes and hours come from the rollups: the same counts as the records give, percentiles
// within the histogram's bound. Seeded random records over three days, written through the ingest store; each answer
// compared with the same store reading the records alone.
for (const backend of testBackends) {
  describe(`${backend.kind} over rollups`, () => {
    const T0 = Date.UTC(2026, 0, 5, 6, 0, 0) + 4_321;
    let db: TestDatabase;
    let chart: ChartStore;
    let raw: ChartStore;

    before(async () => {
      db = await backend.create({ name: 'chart-rollups' });
      const ingest = await openIngestStore(db.url);
      await ingestRandom(ingest, randomRecords({ seed: 21, start: T0, spanMs: 3 * 24 * HOUR, count: 15_000 }), 9);
      await ingest.close();
      const open = async (rollups: boolean) =>
        (backend.kind === 'postgresql' ? await openPostgresChartStore(db.url, { rollups }) : openSqliteChartStore(db.url, { rollups }))!;
      chart = await open(true);
      raw = await open(false);
    });
    after(async () => {
      chart?.close();
      raw?.close();
      await db?.remove();
    });

    const filters: RecordFilter[] = [
      {}, { namespace: 'other' }, { sourcePod: 'nginx-a' }, { cluster: 'backend' }, { upstream: 'backend-1' }, { upstream: '10.105.148.194' },
      { upstream: '203.0.113.9:443' }, { statusClass: 5 }, { statusClass: 0 }, { statusClass: 2, namespace: 'default', cluster: 'backend' },
    ];
    const windows = [
      { since: T0 - 5 * HOUR, until: T0 + 4 * 24 * HOUR }, // everything, hour buckets
      { since: T0 + 3 * HOUR + 12_345, until: T0 + 27 * HOUR + 999 }, // a day, edges inside minutes
      { since: T0 + 40 * HOUR + 59_999, until: T0 + 42 * HOUR + 30_001 }, // 1.5 h: minute buckets
      { since: T0 + 50 * HOUR + 7, until: T0 + 50 * HOUR + 25 * 60_000 }, // 25 min: records only
    ];
    const statusKey = (r: StatusCount) => `${r.bucket} ${r.status} ${r.responseFlags} ${r.count}`;
    /** Per bucket (and upstream): how many durations, and p50/p95/p99. */
    const latency = (rows: { bucket: number; durationMs: number; count: number; upstream?: string }[]) => {
      const groups = new Map<string, { durationMs: number; count: number }[]>();
      for (const r of rows) groups.set(`${r.upstream ?? ''}|${r.bucket}`, [...(groups.get(`${r.upstream ?? ''}|${r.bucket}`) ?? []), r]);
      return new Map([...groups].map(([k, v]) => [k, latencyPercentiles(mergeCounts(v))]));
    };
    const assertLatencyClose = (actual: ReturnType<typeof latency>, expected: ReturnType<typeof latency>, what: string) => {
      assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), what);
      for (const [k, e] of expected) {
        const a = actual.get(k)!;
        assert.equal(a.count, e.count, `${what} ${k}: count`);
        for (const p of ['p50', 'p95', 'p99'] as const) {
          assert.ok(Math.abs(a[p]! - e[p]!) <= e[p]! * HISTOGRAM_MAX_RELATIVE_ERROR, `${what} ${k} ${p}: ${a[p]} vs ${e[p]}`);
        }
      }
    };

    test("record span, status counts and top upstreams: exactly the records' answers", async () => {
      for (const w of [...windows, {}, { since: T0 + 20 * HOUR + 5 }, { until: T0 + 30 * HOUR + 5 }]) {
        for (const f of filters) {
          const filter = { ...w, ...f };
          const what = JSON.stringify(filter);
          const span = await raw.recordSpan(filter);
          assert.deepEqual(await chart.recordSpan(filter), span, what);
          if (!span) continue;
          const grid = chartWindow(Math.max(filter.since ?? -Infinity, span.firstMs), Math.min(filter.until ?? Infinity, span.lastMs + 1));
          assert.deepEqual((await chart.statusCounts(filter, grid)).map(statusKey).sort(), (await raw.statusCounts(filter, grid)).map(statusKey).sort(), what);
          assert.deepEqual(await chart.topUpstreams(filter, 3), await raw.topUpstreams(filter, 3), what);
          assert.deepEqual(await chart.topUpstreams(filter, 50), await raw.topUpstreams(filter, 50), what);
        }
      }
    });

    test('durations: the same counts per bucket and upstream, percentiles within 1/64, flagged approximate', async () => {
      let approximate = 0;
      for (const w of windows) {
        for (const f of filters) {
          const filter = { ...w, ...f };
          const what = JSON.stringify(filter);
          const span = await raw.recordSpan(filter);
          if (!span) continue;
          const grid = chartWindow(Math.max(filter.since, span.firstMs), Math.min(filter.until, span.lastMs + 1));
          const rows = await chart.durationCounts(filter, grid);
          approximate += rows.filter((r) => r.approximate).length;
          assertLatencyClose(latency(rows), latency(await raw.durationCounts(filter, grid)), what);
          const ups = (await raw.topUpstreams(filter, 10)).map((u) => u.upstream);
          for (const g of [grid, null]) {
            assertLatencyClose(latency(await chart.upstreamDurationCounts(filter, g, ups)), latency(await raw.upstreamDurationCounts(filter, g, ups)), `${what} upstreams`);
            const some = ups.slice(0, 2);
            assertLatencyClose(latency(await chart.upstreamDurationCounts(filter, g, some, { others: true })), latency(await raw.upstreamDurationCounts(filter, g, some, { others: true })), `${what} upstreams and others`);
          }
        }
      }
      assert.ok(approximate > 0, 'long windows did read histograms');
      // A window up to half an hour stays on the records: exact durations.
      const short = windows[3]!;
      assert.deepEqual(await chart.durationCounts(short, chartWindow(short.since, short.until)), await raw.durationCounts(short, chartWindow(short.since, short.until)));
    });

    test('request ids and paths are not in the rollups: such filters read the records', async () => {
      const filter = { ...windows[0], pathPrefix: '/api' };
      const grid = chartWindow(filter.since!, filter.until!);
      assert.deepEqual(await chart.durationCounts(filter, grid), await raw.durationCounts(filter, grid));
      assert.ok((await chart.durationCounts(filter, grid)).every((r) => !r.approximate));
    });
  });
}
