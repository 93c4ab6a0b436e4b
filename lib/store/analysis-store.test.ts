// The analysis queries on every database: the same records give the same cells, samples and findings on SQLite and
// on PostgreSQL. Records go in through the ingest store, as import and the collector write them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccessRecord } from '../envoy/access-record.ts';
import { testBackends, type TestDatabase } from '../testing/test-databases.ts';
import { openAnalysisStore, type AnalysisStore, type FindingRow, type TrafficCell } from './analysis-store.ts';
import { openCollectorStore } from './collector-store.ts';
import { openIngestStore, type Attribution, type RecordRow } from './ingest-store.ts';
import { PostgresAnalysisStore } from './postgres/postgres-analysis-store.ts';
import { HOUR, ingestRandom, randomRecords } from './rollup/random-records.ts';
import { SqliteAnalysisStore } from './sqlite/sqlite-analysis-store.ts';

process.env.TZ = 'America/St_Johns';

const empty: AccessRecord = {
  startTime: null, startTimeNanos: null, method: null, path: null, protocol: null, status: null, bytesReceived: null,
  bytesSent: null, durationMs: null, upstreamServiceTimeMs: null, requestId: null, userAgent: null, forwardedFor: null,
  authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: null, responseFlags: null,
  downstreamRemoteIp: null, ambiguousFields: null, extra: null,
};
const pod = (name: string, ambiguous = false): Attribution => ({
  upstreamKind: 'pod', upstreamNamespace: 'default', upstreamPod: name, upstreamService: null, upstreamAmbiguous: ambiguous,
  downstreamKind: null, downstreamNamespace: null, downstreamPod: null,
});
const service: Attribution = { ...pod('x'), upstreamKind: 'service', upstreamPod: null, upstreamService: 'backend-service' };

/** A record at `ms` to `ip` (cluster "backend" when there is an upstream). */
function rec(seq: number, ms: number | null, status: number | null, flags: string | null, ip: string | null, a?: Attribution): RecordRow {
  return {
    seq,
    record: {
      ...empty, startTime: ms, status, responseFlags: flags, method: 'GET', path: `/r/${seq}`, requestId: `id-${seq}`,
      upstreamCluster: ip ? 'backend' : null, upstreamIp: ip, upstreamHost: ip ? `${ip}:80` : null,
    },
    ...(a ? { attribution: a } : {}),
  };
}

const checkpoint = { linesRead: 0, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 };

const finding = (key: string, severity: string, o: Partial<FindingRow> = {}): FindingRow => ({
  key, code: 'EL0001', severity, resourceKind: 'Service', resourceNamespace: 'default', resourceName: 'x', location: null, title: 't',
  message: 'm', fixJson: null, evidenceJson: '{}', firstSeenMs: 1, lastSeenMs: 2, suppressedBy: null, analyzedAtMs: 3, ...o,
});

const cellKey = (c: TrafficCell) => JSON.stringify([c.second, c.sourcePod, c.upstreamIp, c.upstreamPod, c.upstreamService]);

for (const backend of testBackends) {
  describe(backend.kind, () => {
    let db: TestDatabase;
    let store: AnalysisStore;

    before(async () => {
      db = await backend.create({ name: 'analysis-store' });
      const ingest = await openCollectorStore(db.url);
      const source = (key: string, name: string | null) =>
        ingest.openSource({ key, kind: name ? 'pod' : 'file', namespace: name ? 'default' : null, pod: name, container: 'envoy', format: 'f' });
      const a = (await source('pod:a', 'nginx-a')).sourceId;
      const b = (await source('pod:b', 'nginx-b')).sourceId;
      const file = (await source('file:/x', null)).sourceId;
      await ingest.writeBatches([
        {
          sourceId: a,
          batch: {
            records: [
              // Second 1000: three to backend-1 (one ambiguous), one to the ClusterIP.
              rec(1, 1_000_000, 200, null, '10.244.0.81', pod('backend-1')),
              rec(2, 1_000_500, 200, null, '10.244.0.81', pod('backend-1', true)),
              rec(3, 1_000_999, 200, null, '10.244.0.81', pod('backend-1')),
              rec(4, 1_000_100, 200, null, '10.105.148.194', service),
              // Envoy's own 503s: UH twice, URX,UF (UF), NR; an upstream 503 (no flag) and a 502 with UF; flags that
              // merely contain a code's letters.
              rec(5, 1_002_000, 503, 'UH', null),
              rec(6, 1_002_400, 503, 'UH', null),
              rec(7, 1_002_500, 503, 'URX,UF', '10.244.0.81', pod('backend-1')),
              rec(8, 1_002_600, 503, 'NR', null),
              rec(9, 1_002_700, 503, null, '10.244.0.81', pod('backend-1')),
              rec(10, 1_002_800, 502, 'UF', '10.244.0.81', pod('backend-1')),
              rec(11, 1_002_900, 503, 'UFX,DNR', null),
              rec(12, 1_003_999, 503, 'DC,UH,UF', null),
              // No start time: never in a window.
              rec(13, null, 503, 'UH', '10.244.0.81', pod('backend-1')),
            ],
            rejects: [],
            checkpoint,
          },
        },
        {
          sourceId: b,
          batch: {
            records: [rec(1, 1_001_000, 200, null, '10.244.0.82', pod('backend-2')), rec(2, 5_000_000, 200, null, '10.244.0.82', pod('backend-2'))],
            rejects: [],
            checkpoint,
          },
        },
        { sourceId: file, batch: { records: [rec(1, 1_001_500, 200, null, '10.244.0.82')], rejects: [], checkpoint } },
      ]);
      await ingest.close();
      store = await openAnalysisStore(db.url);
    });
    after(async () => {
      store?.close();
      await db?.remove();
    });

    test('time range, records without a start time, records after an instant', async () => {
      assert.deepEqual(await store.recordTimeRange(), { fromMs: 1_000_000, toMs: 5_000_001 });
      assert.deepEqual(await store.recordTimeRange({ before: 5_000_000 }), { fromMs: 1_000_000, toMs: 1_004_000 });
      assert.equal(await store.recordTimeRange({ before: 1_000_000 }), null);
      assert.equal(await store.recordsWithoutStartTime(), 1);
      assert.equal(await store.recordsAfter(1_002_900), 3);
      assert.equal(await store.recordsAfter(0), 15);
    });

    test('traffic cells per source, cluster, upstream and second; slots several seconds wide', async () => {
      const cells = (await store.trafficCells(1_000_000, 1_002_000)).sort((x, y) => (cellKey(x) < cellKey(y) ? -1 : 1));
      const base = { sourceNamespace: 'default', cluster: 'backend', upstreamNamespace: 'default' };
      assert.deepEqual(cells, [
        { ...base, sourcePod: 'nginx-a', upstreamIp: '10.105.148.194', upstreamKind: 'service', upstreamPod: null, upstreamService: 'backend-service', ambiguous: 0, second: 1000, count: 1 },
        { ...base, sourcePod: 'nginx-a', upstreamIp: '10.244.0.81', upstreamKind: 'pod', upstreamPod: 'backend-1', upstreamService: null, ambiguous: 1, second: 1000, count: 3 },
        { ...base, sourcePod: 'nginx-b', upstreamIp: '10.244.0.82', upstreamKind: 'pod', upstreamPod: 'backend-2', upstreamService: null, ambiguous: 0, second: 1001, count: 1 },
        {
          sourceNamespace: null, sourcePod: null, cluster: 'backend', upstreamIp: '10.244.0.82', upstreamKind: null, upstreamNamespace: null,
          upstreamPod: null, upstreamService: null, ambiguous: 0, second: 1001, count: 1,
        },
      ]);
      // The window's end is exclusive to the millisecond.
      assert.equal((await store.trafficCells(1_000_000, 1_000_999)).reduce((n, c) => n + c.count, 0), 3);
      const slots = (await store.trafficCells(1_000_000, 1_004_000, 2)).map((c) => [c.second, c.sourcePod, c.upstreamIp, c.count]);
      assert.deepEqual(slots.sort(), [
        [1000, 'nginx-a', '10.105.148.194', 1], [1000, 'nginx-a', '10.244.0.81', 3], [1000, 'nginx-b', '10.244.0.82', 1], [1000, null, '10.244.0.82', 1],
        [1002, 'nginx-a', '10.244.0.81', 3], [1002, 'nginx-a', null, 5],
      ].sort());
      assert.deepEqual(await store.trafficCells(6_000_000, 7_000_000), []);
    });

    test("failure cells: Envoy's own 503s by their first flag of UH, UF, NR", async () => {
      const cells = (await store.failureCells(0, 2_000_000)).map((c) => [c.second, c.flag, c.upstreamIp, c.count, c.sourcePod, c.cluster]);
      assert.deepEqual(cells.sort(), [
        [1002, 'NR', null, 1, 'nginx-a', null], [1002, 'UF', '10.244.0.81', 1, 'nginx-a', 'backend'], [1002, 'UH', null, 2, 'nginx-a', null],
        [1003, 'UH', null, 1, 'nginx-a', null],
      ].sort());
      assert.deepEqual(await store.failureCells(0, 1_002_000), []);
    });

    test('samples: newest first, filtered by source (null matches null), cluster, upstream and status', async () => {
      const ids = async (f: Parameters<AnalysisStore['sampleRecords']>[0], limit = 10) => (await store.sampleRecords(f, limit)).map((s) => s.requestId);
      assert.deepEqual(await ids({ fromMs: 0, toMs: 2_000_000, sourcePod: 'nginx-a', upstreamIp: '10.105.148.194' }), ['id-4']);
      assert.deepEqual(await ids({ fromMs: 0, toMs: 2_000_000, sourcePod: 'nginx-a', status: 503 }, 3), ['id-12', 'id-11', 'id-9']);
      assert.deepEqual(await ids({ fromMs: 0, toMs: 2_000_000, sourceNamespace: null, sourcePod: null }), ['id-1']);
      assert.deepEqual(await ids({ fromMs: 0, toMs: 2_000_000, sourcePod: 'nginx-a', cluster: null }), ['id-12', 'id-11', 'id-8', 'id-6', 'id-5']);
      assert.deepEqual(await ids({ fromMs: 1_000_000, toMs: 1_000_500 }), ['id-4', 'id-1']);
      assert.equal((await store.sampleRecords({ fromMs: 0, toMs: 9_000_000 }, 1000)).length, 15);
      const [sample] = await store.sampleRecords({ fromMs: 1_002_500, toMs: 1_002_501 }, 0);
      assert.deepEqual({ ...sample, id: 0 }, {
        id: 0, startTimeMs: 1_002_500, requestId: 'id-7', method: 'GET', path: '/r/7', status: 503, upstreamHost: '10.244.0.81:80',
        upstreamCluster: 'backend', responseFlags: 'URX,UF', sourceNamespace: 'default', sourcePod: 'nginx-a',
      });
    });

    test('findings: replaced as a whole, errors first then by code and key (by code point), nulls kept', async () => {
      await store.replaceFindings([finding('a', 'warning'), finding('b', 'error')]);
      await store.replaceFindings([
        finding('c', 'warning'), finding('b', 'error', { code: 'EL0002' }), finding('C', 'error', { code: 'EL0002' }),
        finding('n', 'info', {
          resourceNamespace: null, location: 'ConfigMap default/envoy envoy.yaml:4', fixJson: '{"summary":"s"}', firstSeenMs: null,
          lastSeenMs: null, suppressedBy: 'annotation', analyzedAtMs: 1_765_879_556_365, message: 'quote " backslash \\ {braces}, NUL-free',
        }),
      ]);
      const rows = await store.findings();
      assert.deepEqual(rows.map((f) => f.key), ['C', 'b', 'c', 'n']);
      assert.deepEqual(rows[3], finding('n', 'info', {
        resourceNamespace: null, location: 'ConfigMap default/envoy envoy.yaml:4', fixJson: '{"summary":"s"}', firstSeenMs: null,
        lastSeenMs: null, suppressedBy: 'annotation', analyzedAtMs: 1_765_879_556_365, message: 'quote " backslash \\ {braces}, NUL-free',
      }));
      assert.deepEqual(rows[2], finding('c', 'warning'));
      await assert.rejects(store.replaceFindings([finding('same', 'error'), finding('same', 'error')]));
      assert.equal((await store.findings()).length, 4, 'a failed replacement leaves the previous findings');
      // Two analyses replacing at once (the loop and the CLI): one set wins whole, no key collides.
      const other = await openAnalysisStore(db.url);
      try {
        for (let round = 0; round < 10; round++) {
          await Promise.all([
            store.replaceFindings(['x1', 'x2', 'x3'].map((k) => finding(k, 'error'))),
            other.replaceFindings(['x1', 'x2', 'x3'].map((k) => finding(k, 'warning'))),
          ]);
        }
        const after = await store.findings();
        assert.deepEqual(after.map((f) => f.key), ['x1', 'x2', 'x3']);
        assert.equal(new Set(after.map((f) => f.severity)).size, 1);
      } finally {
        other.close();
      }
      await store.replaceFindings([]);
      assert.deepEqual(await store.findings(), []);
    });
  });
}

// Slots of whole minutes over long windows read the rollups; Envoy's own 503s are looked for only where the rollups
// show some. Both give exactly the records' answers (seeded random records over two days, written through ingest).
for (const backend of testBackends) {
  describe(`${backend.kind} over rollups`, () => {
    const T0 = Date.UTC(2026, 0, 5, 6, 0, 0) + 987;
    let db: TestDatabase;
    let store: AnalysisStore;
    let raw: AnalysisStore;

    before(async () => {
      db = await backend.create({ name: 'analysis-rollups' });
      const ingest = await openIngestStore(db.url);
      await ingestRandom(ingest, randomRecords({ seed: 31, start: T0, spanMs: 2 * 24 * HOUR, count: 10_000 }), 4);
      // Two more days where Envoy's own 503s are rare: the rollups narrow where the records are read.
      const quiet = randomRecords({ seed: 32, start: T0 + 3 * 24 * HOUR, spanMs: 2 * 24 * HOUR, count: 6000 }).map((r, i) => {
        const failure = i % 1500 === 7 ? ([['UH', null], ['UF,URX', '10.244.0.81'], ['NR', null], ['DC,UH', null]] as const)[(i / 1500) | 0]! : null;
        return { ...r, seq: r.seq + 100_000, record: { ...r.record, status: failure ? 503 : r.record.status === 503 ? 200 : r.record.status, responseFlags: failure ? failure[0] : null } };
      });
      await ingestRandom(ingest, quiet, 5);
      await ingest.close();
      store = await openAnalysisStore(db.url);
      raw = backend.kind === 'postgresql' ? new PostgresAnalysisStore(db.url, { rollups: false }) : new SqliteAnalysisStore(db.url, { rollups: false });
    });
    after(async () => {
      store?.close();
      raw?.close();
      await db?.remove();
    });

    const key = (c: object) => JSON.stringify(c);
    const windows = [
      [T0 - HOUR, T0 + 3 * 24 * HOUR], [T0 + 5 * HOUR + 1234, T0 + 30 * HOUR + 59_999], [T0 + 10 * HOUR, T0 + 10 * HOUR + 30 * 60_000],
      [T0 + 3 * 24 * HOUR - 7, T0 + 5 * 24 * HOUR + 1],
    ] as const;

    test("traffic cells in slots of whole minutes: the records' counts", async () => {
      for (const [from, to] of windows) {
        for (const slot of [1, 60, 90, 720, 3600, 7200]) {
          const expected = (await raw.trafficCells(from, to, slot)).map(key).sort();
          assert.ok(expected.length > 0);
          assert.deepEqual((await store.trafficCells(from, to, slot)).map(key).sort(), expected, `${from}..${to} per ${slot} s`);
        }
      }
    });

    test("failure cells per second: the records' cells, read only where the rollups show such 503s", async () => {
      for (const [from, to] of windows) {
        const expected = (await raw.failureCells(from, to)).map(key).sort();
        assert.ok(expected.length > 0);
        assert.deepEqual((await store.failureCells(from, to)).map(key).sort(), expected);
      }
    });
  });
}
