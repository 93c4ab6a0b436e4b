// The Overview, Responses and Latency numbers end to end on a real SQLite database with known records: 100 requests,
// one a second, taking 1..100 ms, every tenth a 503, alternating between two upstream pods.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { openChartStore, type ChartStore } from '../store/chart-store.ts';
import { sqliteFilePath } from '../store/database-url.ts';
import { deployMigrations } from '../store/migrate.ts';
import { tempSqliteDatabase, type TempDatabase } from '../testing/temp-database.ts';
import { latencyReport, overviewReport, responsesReport } from './chart-reports.ts';
import { HOUR, ingestRandom, randomRecords } from '../store/rollup/random-records.ts';
import { openSqliteChartStore } from '../store/sqlite/sqlite-chart-store.ts';
import { SqliteIngestStore } from '../store/sqlite/sqlite-ingest-store.ts';

const T0 = 1_700_000_000_000;
const window = { since: T0, until: T0 + 100_000 };

describe('chart reports', () => {
  let temp: TempDatabase;
  let store: ChartStore;

  before(async () => {
    temp = tempSqliteDatabase('chart-reports');
    await deployMigrations(temp.url);
    const db = new Database(sqliteFilePath(temp.url));
    const { id } = db.prepare(`INSERT INTO "Source" ("key", "kind", "namespace", "pod", "container", "format", "createdAt", "updatedAt") VALUES ('pod:a', 'pod', 'default', 'nginx', 'envoy', 'f', 0, 0) RETURNING "id"`).get() as { id: number };
    const rec = db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "status", "responseFlags", "durationMs", "upstreamPod") VALUES (?, ?, ?, ?, ?, ?, ?)`);
    for (let i = 0; i < 100; i++) {
      const failed = i % 10 === 9;
      rec.run(id, i + 1, T0 + i * 1000, failed ? 503 : 200, failed ? 'UF' : null, i + 1, i % 2 === 0 ? 'backend-1' : 'backend-2');
    }
    db.close();
    store = (await openChartStore(temp.url))!;
  });
  after(() => {
    store?.close();
    temp?.remove();
  });

  test('overview: rate over the span with records, error rate, p50/p95/p99', async () => {
    const r = (await overviewReport(store, window))!;
    assert.equal(r.window.bucketMs, 1000);
    assert.equal(r.window.buckets, 100);
    assert.equal(r.traffic.requests, 100);
    assert.equal(r.traffic.errors, 10);
    assert.equal(r.errorRate, 0.1);
    assert.equal(r.activeMs, 99_001, 'from the first record to the end of the last one');
    assert.ok(Math.abs(r.ratePerSecond - 100 / 99.001) < 1e-9);
    assert.deepEqual(r.latency, { p50: 50, p95: 95, p99: 99, count: 100 });
    assert.deepEqual(r.traffic.points.slice(8, 11).map((p) => [p.requests, p.errors]), [[1, 0], [1, 1], [1, 0]]);
  });

  test('responses: status codes and flags over the window', async () => {
    const r = (await responsesReport(store, window))!;
    assert.deepEqual(r.traffic.statusCodes.map((c) => [c.status, c.count]), [[200, 90], [503, 10]]);
    assert.deepEqual(r.traffic.flags, [{ flag: 'UF', meaning: 'Upstream connection failure (503)', count: 10 }]);
    assert.equal(await responsesReport(store, { since: T0 + 200_000 }), null, 'no records: null');
  });

  test('latency: percentiles per bucket and per upstream, histogram', async () => {
    const r = (await latencyReport(store, window))!;
    assert.deepEqual(r.overall, { p50: 50, p95: 95, p99: 99, count: 100 });
    assert.deepEqual(r.series.slice(0, 3).map((p) => [p.t - T0, p.p50, p.p99]), [[0, 1, 1], [1000, 2, 2], [2000, 3, 3]]);
    // backend-1 took 1, 3, …, 99 ms; backend-2 2, 4, …, 100 ms.
    assert.deepEqual(r.upstreams, [
      { upstream: 'backend-1', records: 50, p50: 49, p95: 95, p99: 99, count: 50 },
      { upstream: 'backend-2', records: 50, p50: 50, p95: 96, p99: 100, count: 50 },
    ]);
    assert.deepEqual(r.charted, ['backend-1', 'backend-2']);
    assert.deepEqual(r.upstreamSeries.slice(0, 2).map((p) => [p.u0, p.u1]), [[1, null], [null, 2]]);
    assert.deepEqual(r.histogram.map((b) => [b.fromMs, b.toMs, b.count]), [[1, 2, 1], [2, 5, 3], [5, 10, 5], [10, 20, 10], [20, 50, 30], [50, 100, 50], [100, 200, 1]]);
  });

  test('the filter narrows every number: one upstream, 5xx only', async () => {
    const one = (await latencyReport(store, { ...window, upstream: 'backend-2' }))!;
    assert.deepEqual(one.upstreams.map((u) => u.upstream), ['backend-2']);
    assert.equal(one.overall.p50, 50);
    const errors = (await overviewReport(store, { ...window, statusClass: 5 }))!;
    assert.equal(errors.traffic.requests, 10);
    assert.equal(errors.errorRate, 1);
    assert.deepEqual([errors.latency.p50, errors.latency.p99], [50, 100]);
  });
});

describe('chart reports over rollups', () => {
  const T1 = Date.UTC(2026, 0, 5, 6, 0, 0) + 777;
  let temp: TempDatabase;
  let store: ChartStore;
  let raw: ChartStore;

  before(async () => {
    temp = tempSqliteDatabase('chart-reports-rollups');
    await deployMigrations(temp.url);
    const ingest = new SqliteIngestStore(temp.url);
    await ingestRandom(ingest, randomRecords({ seed: 41, start: T1, spanMs: 2 * 24 * HOUR, count: 8000 }), 2);
    await ingest.close();
    store = (await openChartStore(temp.url))!;
    raw = openSqliteChartStore(temp.url, { rollups: false })!;
  });
  after(() => {
    store?.close();
    raw?.close();
    temp?.remove();
  });

  test('a long window: exact counts, percentiles within 1/64 and flagged; half an hour: exact and not flagged', async () => {
    const long = { since: T1 - HOUR, until: T1 + 3 * 24 * HOUR };
    const [a, e] = [(await overviewReport(store, long))!, (await overviewReport(raw, long))!];
    assert.deepEqual(a.traffic, e.traffic);
    assert.equal(a.latencyApproximate, true);
    assert.equal(e.latencyApproximate, false);
    assert.equal(a.latency.count, e.latency.count);
    for (const p of ['p50', 'p95', 'p99'] as const) assert.ok(Math.abs(a.latency[p]! - e.latency[p]!) <= e.latency[p]! / 64, p);
    const l = (await latencyReport(store, long))!;
    assert.equal(l.latencyApproximate, true);
    assert.deepEqual(l.upstreams.map((u) => [u.upstream, u.records, u.count]), (await latencyReport(raw, long))!.upstreams.map((u) => [u.upstream, u.records, u.count]));
    const halfHour = { since: T1 + 5 * HOUR, until: T1 + 5 * HOUR + HOUR / 2 };
    const h = (await latencyReport(store, halfHour))!;
    assert.equal(h.latencyApproximate, false);
    assert.deepEqual(h.overall, (await latencyReport(raw, halfHour))!.overall);
    // The default window, an hour, is charted in minutes from the minute rollups: exact counts, flagged percentiles.
    const hour = { since: T1 + 5 * HOUR, until: T1 + 6 * HOUR };
    const [o, oe] = [(await overviewReport(store, hour))!, (await overviewReport(raw, hour))!];
    assert.deepEqual(o.traffic, oe.traffic);
    assert.equal(o.latencyApproximate, true);
  });
});
