// Rollups kept at ingest, on every database: each minute and hour row equals a count of the records (seeded random
// data), a line read again, written by two stores at once, or stored by something that keeps no rollups is counted
// exactly once, and a database holding records from before rollups existed reads right before and after a rebuild.
// Counts are checked against the records read back through Prisma and counted here, independently of the
// accumulator the stores use.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { testBackends, type TestDatabase } from '../testing/test-databases.ts';
import type { ChartStore, StatusCount } from './chart-store.ts';
import { openIngestStore, type IngestStore } from './ingest-store.ts';
import { openPostgresChartStore } from './postgres/postgres-chart-store.ts';
import { PostgresIngestStore } from './postgres/postgres-ingest-store.ts';
import { disconnectAll, prismaClientFor } from './prisma-client.ts';
import { addDuration, decodeHistogram, encodeHistogram, type BucketCounts } from './rollup/duration-histogram.ts';
import { HOUR, ingestRandom, randomRecords } from './rollup/random-records.ts';
import { openRollupMaintenance, type RollupMaintenance } from './rollup/rollup-maintenance.ts';
import { openSqliteChartStore } from './sqlite/sqlite-chart-store.ts';
import { SqliteIngestStore } from './sqlite/sqlite-ingest-store.ts';

const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);

/** A second, independent store on the same database (a second collector, an import next to it). */
const anotherStore = (db: TestDatabase): IngestStore => (db.kind === 'postgresql' ? new PostgresIngestStore(db.url) : new SqliteIngestStore(db.url));

async function openChart(db: TestDatabase, rollups: boolean): Promise<ChartStore> {
  return db.kind === 'postgresql' ? (await openPostgresChartStore(db.url, { rollups }))! : openSqliteChartStore(db.url, { rollups })!;
}

async function withMaintenance<T>(db: TestDatabase, fn: (m: RollupMaintenance) => Promise<T>): Promise<T> {
  const m = await openRollupMaintenance(db.url);
  try {
    return await fn(m);
  } finally {
    await m.close();
  }
}

type StoredRecord = Awaited<ReturnType<typeof storedRecords>>[number];

const storedRecords = (prisma: PrismaClient) => prisma.accessRecord.findMany({
  select: {
    sourceId: true, startTime: true, durationMs: true, status: true, responseFlags: true, upstreamCluster: true, upstreamHost: true,
    upstreamIp: true, upstreamKind: true, upstreamNamespace: true, upstreamPod: true, upstreamService: true, upstreamAmbiguous: true,
  },
});

/** What the rollup rows of one period length should be, counted from the records: one line per row. */
function expectedRows(records: StoredRecord[], periodMinutes: number): string[] {
  const rows = new Map<string, { n: number; ambiguous: number; timed: number; sum: number; h: BucketCounts }>();
  for (const r of records) {
    if (r.startTime === null) continue;
    const minute = Math.floor(r.startTime.getTime() / 60_000);
    const key = JSON.stringify([
      Math.floor(minute / periodMinutes) * periodMinutes, r.sourceId, r.upstreamCluster ?? '', r.upstreamHost ?? '', r.upstreamIp ?? '',
      r.upstreamKind ?? '', r.upstreamNamespace ?? '', r.upstreamPod ?? '', r.upstreamService ?? '', r.status ?? -1, r.responseFlags ?? '',
    ]);
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { n: 0, ambiguous: 0, timed: 0, sum: 0, h: new Map() }));
    row.n++;
    if (r.upstreamAmbiguous) row.ambiguous++;
    if (r.durationMs !== null) {
      row.timed++;
      row.sum += r.durationMs;
      addDuration(row.h, r.durationMs);
    }
  }
  return [...rows].map(([key, r]) => `${key} | ${r.n} | ${r.ambiguous} | ${r.timed} | ${r.sum} | ${encodeHistogram(r.h)}`).sort();
}

async function actualRows(prisma: PrismaClient, periodMinutes: number): Promise<string[]> {
  const rows = periodMinutes === 60 ? await prisma.recordRollupHour.findMany() : await prisma.recordRollup.findMany();
  assert.ok(rows.every((r) => r.periodMinutes === periodMinutes));
  return rows.map((r) => {
    const key = JSON.stringify([r.periodStart, r.sourceId, r.cluster, r.upstreamHost, r.upstreamIp, r.upstreamKind, r.upstreamNamespace,
      r.upstreamPod, r.upstreamService, r.status, r.responseFlags]);
    // Canonical text: a row two unlocked writers met in may hold two histograms joined by ';' (the same counts).
    return `${key} | ${r.records} | ${r.ambiguous} | ${r.timed} | ${Number(r.durationSumMs)} | ${encodeHistogram(decodeHistogram(r.histogram))}`;
  }).sort();
}

async function assertRollupsMatchRecords(db: TestDatabase, message = ''): Promise<void> {
  const prisma = await prismaClientFor(db.url);
  const records = await storedRecords(prisma);
  for (const p of [1, 60]) {
    const expected = expectedRows(records, p);
    assert.ok(expected.length > 0);
    assert.deepEqual(await actualRows(prisma, p), expected, `${p === 1 ? 'minute' : 'hour'} rows ${message}`);
  }
}

const statusKey = (r: StatusCount) => `${r.bucket} ${r.status} ${r.responseFlags} ${r.count}`;

/** Records written straight into the table, as an older envoy-lens or a script would: no rollups. */
async function insertForeign(db: TestDatabase, rows: { sourceId: number; seq: number; ms: number | null; status: number; duration: number | null }[]): Promise<void> {
  const prisma = await prismaClientFor(db.url);
  await prisma.accessRecord.createMany({
    data: rows.map((r) => ({
      sourceId: r.sourceId, seq: r.seq, startTime: r.ms === null ? null : new Date(r.ms), status: r.status, durationMs: r.duration,
      upstreamPod: 'backend-9', upstreamCluster: 'backend',
    })),
  });
}

for (const backend of testBackends) {
  describe(`rollups kept at ingest (${backend.kind})`, () => {
    const dbs: TestDatabase[] = [];
    after(async () => {
      await disconnectAll();
      for (const db of dbs) await db.remove();
    });
    const fresh = async (name: string) => {
      const db = await backend.create({ name, migrated: true });
      dbs.push(db);
      return db;
    };

    test('every minute and hour row equals the count of its records (random records over three days, random batches)', async () => {
      const db = await fresh('rollups-random');
      const rows = randomRecords({ seed: 11, start: T0 + 17_123, spanMs: 3 * 24 * HOUR, count: 12_000 });
      const store = await openIngestStore(db.url);
      assert.equal(await ingestRandom(store, rows, 5), rows.length);
      await store.close();
      await assertRollupsMatchRecords(db);
      const status = await withMaintenance(db, (m) => m.status());
      assert.equal(status!.uncounted, 0);
      assert.equal(status!.uncovered, null, 'everything ingested is covered');
      assert.ok(status!.minuteRows > status!.hourRows && status!.hourRows > 0);
    });

    test('the same lines read again, or written by two stores at the same time, are counted once', async () => {
      const db = await fresh('rollups-again');
      const rows = randomRecords({ seed: 12, start: T0, spanMs: 6 * HOUR, count: 3000 });
      const one = await openIngestStore(db.url);
      const two = anotherStore(db);
      await ingestRandom(one, rows.slice(0, 2000), 1);
      // Overlapping re-reads from another store, and the whole set again.
      assert.equal(await ingestRandom(two, rows.slice(1000, 2500), 2), 500);
      assert.equal(await ingestRandom(one, rows, 3), 500);
      assert.equal(await ingestRandom(two, rows, 4), 0);
      await assertRollupsMatchRecords(db, 'after re-reads');
      // Two stores writing the same sources at once, in batches of different sizes that overlap.
      const more = randomRecords({ seed: 17, start: T0 + 2 * HOUR, spanMs: 3 * HOUR, count: 4000 }).map((r) => ({ ...r, seq: r.seq + 10_000 }));
      const [a, b] = await Promise.all([ingestRandom(one, more, 7), ingestRandom(two, more, 8)]);
      assert.equal(a + b, more.length);
      await one.close();
      await two.close();
      await assertRollupsMatchRecords(db, 'after concurrent writers');
    });

    test('records stored by something that keeps no rollups: read from the records until the next ingest counts them', async () => {
      const db = await fresh('rollups-foreign');
      const rows = randomRecords({ seed: 13, start: T0, spanMs: 10 * HOUR, count: 4000 });
      const store = await openIngestStore(db.url);
      await ingestRandom(store, rows.slice(0, 3000), 1);
      await insertForeign(db, Array.from({ length: 40 }, (_, i) => ({ sourceId: 1, seq: 100_000 + i, ms: T0 + 4 * HOUR + i * 60_000, status: 200, duration: 7 })));
      assert.equal((await withMaintenance(db, (m) => m.status()))!.uncounted, 40);
      const chart = await openChart(db, true);
      const raw = await openChart(db, false);
      try {
        const filter = { since: T0, until: T0 + 10 * HOUR };
        const grid = { originMs: T0, bucketMs: HOUR };
        assert.deepEqual(await chart.topUpstreams(filter, 50), await raw.topUpstreams(filter, 50));
        assert.deepEqual(await chart.recordSpan(filter), await raw.recordSpan(filter));
        assert.deepEqual((await chart.statusCounts(filter, grid)).map(statusKey).sort(), (await raw.statusCounts(filter, grid)).map(statusKey).sort());
        // The next ingest transaction counts them, and the rollups are whole again.
        await ingestRandom(store, rows.slice(3000), 2);
        assert.equal((await withMaintenance(db, (m) => m.status()))!.uncounted, 0);
        assert.deepEqual(await chart.topUpstreams(filter, 50), await raw.topUpstreams(filter, 50));
      } finally {
        chart.close();
        raw.close();
        await store.close();
      }
      await assertRollupsMatchRecords(db, 'after catching up');
    });

    test('many small transactions into the same rows: counts exact, histogram texts kept short', async () => {
      const db = await fresh('rollups-small');
      const rows = randomRecords({ seed: 19, start: T0, spanMs: HOUR / 2, count: 1500 });
      const store = await openIngestStore(db.url);
      const sources = [];
      for (const key of ['pod:s1', 'pod:s2']) sources.push((await store.openSource({ key, kind: 'pod', namespace: 'default', pod: key, container: 'envoy', format: 'f' })).sourceId);
      const checkpoint = { linesRead: 0, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 };
      for (let i = 0; i < rows.length; i += 15) {
        await store.writeBatches(sources.map((sourceId, k) => ({ sourceId, batch: { records: rows.slice(i, i + 15).filter((r) => r.source % 2 === k), rejects: [], checkpoint } })));
      }
      await store.close();
      await assertRollupsMatchRecords(db);
      const prisma = await prismaClientFor(db.url);
      const pieces = [...await prisma.recordRollup.findMany({ select: { histogram: true } }), ...await prisma.recordRollupHour.findMany({ select: { histogram: true } })]
        .map((r) => r.histogram.split(';').length);
      assert.ok(Math.max(...pieces) < 8, `at most 7 histograms joined in a row's text (${Math.max(...pieces)})`);
    });

    test('once records of a later hour arrive, each earlier hour row holds one merged histogram', async () => {
      const db = await fresh('rollups-hour-merge');
      const rows = randomRecords({ seed: 21, start: T0, spanMs: HOUR / 2, count: 900 });
      const later = randomRecords({ seed: 22, start: T0 + HOUR, spanMs: 60_000, count: 10 }).map((r) => ({ ...r, seq: 10_000 + r.seq }));
      const store = await openIngestStore(db.url);
      const { sourceId } = await store.openSource({ key: 'pod:m', kind: 'pod', namespace: 'default', pod: 'm', container: 'envoy', format: 'f' });
      const checkpoint = { linesRead: 0, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 };
      for (let i = 0; i < rows.length; i += 20) await store.writeBatch(sourceId, { records: rows.slice(i, i + 20), rejects: [], checkpoint });
      const prisma = await prismaClientFor(db.url);
      const hourTexts = async (hour: number) =>
        (await prisma.recordRollupHour.findMany({ where: { periodStart: hour / 60_000 }, select: { histogram: true } })).map((r) => r.histogram);
      const first = await hourTexts(T0);
      assert.ok(first.length > 0);
      // PostgreSQL appends a piece per transaction while the hour is in progress; SQLite merges on every write.
      if (backend.kind === 'postgresql') assert.ok(first.some((t) => t.includes(';')), 'pieces while the hour is in progress');
      await store.writeBatch(sourceId, { records: later, rejects: [], checkpoint });
      await store.close();
      const merged = await hourTexts(T0);
      assert.equal(merged.length, first.length);
      assert.deepEqual(merged.filter((t) => t.includes(';')), [], 'one histogram per row');
      assert.deepEqual(merged.map((t) => encodeHistogram(decodeHistogram(t))).sort(), first.map((t) => encodeHistogram(decodeHistogram(t))).sort());
      await assertRollupsMatchRecords(db);
    });

    test('an empty text and a missing one share a row; odd values are counted as stored', async () => {
      const db = await fresh('rollups-empty');
      const store = await openIngestStore(db.url);
      const { sourceId } = await store.openSource({ key: 'pod:e', kind: 'pod', namespace: 'default', pod: 'nginx-e', container: 'envoy', format: 'f' });
      const base = randomRecords({ seed: 18, start: T0, spanMs: 60_000, count: 1 })[0]!.record;
      const texts = [null, '', 'x\u0000y'];
      const records = Array.from({ length: 27 }, (_, i) => ({
        seq: i + 1,
        record: {
          ...base, startTime: T0 + 1000 + i + (i % 2) * 0.5, durationMs: i % 3 === 0 ? null : i, status: i % 4 === 0 ? 2 ** 40 : 200,
          upstreamCluster: texts[i % 3]!, responseFlags: texts[Math.floor(i / 3) % 3]!, upstreamHost: texts[Math.floor(i / 9) % 3]!,
        },
        attribution: {
          upstreamKind: null, upstreamNamespace: null, upstreamPod: texts[(i + 1) % 3]!, upstreamService: '', upstreamAmbiguous: i % 5 === 0,
          downstreamKind: null, downstreamNamespace: null, downstreamPod: null,
        },
      }));
      const checkpoint = { linesRead: 27, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 };
      // In one transaction, and again in several (rows then exist).
      await store.writeBatches([{ sourceId, batch: { records: records.slice(0, 14), rejects: [], checkpoint } }]);
      for (let i = 14; i < 27; i += 4) await store.writeBatch(sourceId, { records: records.slice(i, i + 4), rejects: [], checkpoint });
      await store.close();
      await assertRollupsMatchRecords(db);
    });

    test('many records stored without rollups: the rebuild counts them in bounded transactions', async () => {
      const db = await fresh('rollups-foreign-many');
      const store = await openIngestStore(db.url);
      await ingestRandom(store, randomRecords({ seed: 16, start: T0, spanMs: 4 * HOUR, count: 500 }), 1);
      await store.close();
      await insertForeign(db, Array.from({ length: 100 }, (_, i) => ({
        sourceId: 2, seq: 200_000 + i, ms: i % 7 === 0 ? null : T0 + i * 97_000, status: 503, duration: i % 5 === 0 ? null : i * 13,
      })));
      const result = await withMaintenance(db, (m) => m.rebuild({ maxRecordsPerTransaction: 7 }));
      assert.equal(result.caughtUp, 100 - 15, 'those with a start time');
      assert.ok(result.transactions >= 15, JSON.stringify(result));
      assert.equal(result.coverageComplete, true);
      assert.deepEqual(await withMaintenance(db, (m) => m.status()).then((s) => [s!.uncounted, s!.uncovered]), [0, null]);
      await assertRollupsMatchRecords(db);
    });

    test('records from before rollups existed: read from the records, then rebuilt into rollups', async () => {
      const db = await fresh('rollups-migrated');
      const rows = randomRecords({ seed: 14, start: T0 + 5 * 60_000, spanMs: 30 * HOUR, count: 6000 });
      const store = await openIngestStore(db.url);
      await ingestRandom(store, rows.slice(0, 4000), 1);
      // The state the rollups migration leaves on a database that held these records: no rows, every record handled,
      // their whole hours uncovered.
      const prisma = await prismaClientFor(db.url);
      const stored = (await prisma.accessRecord.aggregate({ _min: { startTime: true }, _max: { startTime: true, id: true } }));
      const lo = Math.floor(stored._min.startTime!.getTime() / HOUR) * HOUR;
      const hi = (Math.floor(stored._max.startTime!.getTime() / HOUR) + 1) * HOUR;
      await prisma.recordRollup.deleteMany({});
      await prisma.recordRollupHour.deleteMany({});
      await prisma.rollupState.update({ where: { id: 1 }, data: { rolledThroughId: stored._max.id!, uncoveredFrom: lo / 60_000, uncoveredTo: hi / 60_000 } });
      const before = (await withMaintenance(db, (m) => m.status()))!;
      assert.deepEqual([before.uncovered, before.uncounted, before.minuteRows], [[lo, hi], 0, 0]);

      // New records arrive (some in the old hours too) while the old ones are not rolled up yet: answers stay right.
      await ingestRandom(store, rows.slice(4000), 2);
      const chart = await openChart(db, true);
      const raw = await openChart(db, false);
      try {
        const grid = { originMs: Math.floor(T0 / HOUR) * HOUR, bucketMs: HOUR };
        for (const filter of [{}, { since: T0 + 3 * HOUR + 17, until: T0 + 40 * HOUR }, { namespace: 'other', statusClass: 5 }]) {
          assert.deepEqual((await chart.statusCounts(filter, grid)).map(statusKey).sort(), (await raw.statusCounts(filter, grid)).map(statusKey).sort());
          assert.deepEqual(await chart.recordSpan(filter), await raw.recordSpan(filter));
        }

        // Rebuild in small transactions; then the old hours are covered, and the rows equal the records' counts.
        const hours: number[] = [];
        const result = await withMaintenance(db, (m) => m.rebuild({ maxRecordsPerTransaction: 300, onHour: (h) => hours.push(h.hourStartMs) }));
        assert.equal(result.coverageComplete, true);
        assert.deepEqual(result.range, [lo, hi]);
        assert.equal(result.hours, hours.length);
        assert.ok(result.transactions > result.hours, 'busy hours split into several transactions');
        assert.equal((await withMaintenance(db, (m) => m.status()))!.uncovered, null);
        await assertRollupsMatchRecords(db, 'after rebuild');
        assert.deepEqual((await chart.statusCounts({}, grid)).map(statusKey).sort(), (await raw.statusCounts({}, grid)).map(statusKey).sort());
        assert.deepEqual(await chart.recordSpan({}), await raw.recordSpan({}));

        // Idempotent: again over an explicit range, the same rows; a stop request ends it between transactions.
        const again = [await actualRows(prisma, 1), await actualRows(prisma, 60)];
        await withMaintenance(db, (m) => m.rebuild({ fromMs: lo, toMs: hi + 5 * HOUR }));
        assert.deepEqual([await actualRows(prisma, 1), await actualRows(prisma, 60)], again);
        const stopped = await withMaintenance(db, (m) => m.rebuild({ fromMs: lo, toMs: hi, shouldStop: () => true }));
        assert.deepEqual([stopped.stopped, stopped.hours], [true, 0]);
      } finally {
        chart.close();
        raw.close();
        await store.close();
      }
    });

    test('rollups outlive pruned records: long charts still count them, and a rebuild keeps them', async () => {
      const db = await fresh('rollups-pruned');
      const rows = randomRecords({ seed: 15, start: T0, spanMs: 20 * HOUR, count: 5000 });
      const store = await openIngestStore(db.url);
      await ingestRandom(store, rows, 1);
      await store.close();
      const total = rows.filter((r) => r.record.startTime !== null).length;
      // Retention deletes the records of the first ten hours; their rollups stay.
      const cutoff = T0 + 10 * HOUR;
      const prisma = await prismaClientFor(db.url);
      assert.ok((await prisma.accessRecord.deleteMany({ where: { startTime: { lt: new Date(cutoff) } } })).count > 0);
      const chart = await openChart(db, true);
      try {
        const span = (await chart.recordSpan({}))!;
        assert.equal(span.records, total, 'counted from the rollups where the records are gone');
        assert.ok(span.firstMs < cutoff && span.firstMs % 60_000 === 0, 'the first minute still counted');
        await withMaintenance(db, (m) => m.rebuild({ fromMs: T0, toMs: T0 + 20 * HOUR }));
        assert.equal((await chart.recordSpan({}))!.records, total, 'hours without records keep their rows');
      } finally {
        chart.close();
      }
    });
  });
}
