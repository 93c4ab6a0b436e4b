// Rollups kept at ingest on a real SQLite database: every minute and hour row equals a count of the records (seeded
// random data), a re-read line or a record stored by something else is counted exactly once, and a database migrated
// before rollups existed reads right before and after `rebuild`.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { after, describe, test } from 'node:test';
import { tempSqliteDatabase, type TempDatabase } from '../../testing/temp-database.ts';
import { sqliteFilePath } from '../database-url.ts';
import { migrationsDir } from '../migrate.ts';
import { deployMigrations } from '../migrate.ts';
import { addDuration, encodeHistogram, type BucketCounts } from '../rollup/duration-histogram.ts';
import { HOUR, ingestRandom, randomRecords, RANDOM_SOURCES } from '../rollup/random-records.ts';
import { SqliteChartStore } from './sqlite-chart-store.ts';
import type { RecordFilter } from '../queries/record-filter.ts';
import { SqliteIngestStore } from './sqlite-ingest-store.ts';
import { rebuildRollups, rollupFilterSql, rollupGaps, rollupStatus } from './sqlite-rollups.ts';
import { rollupTable } from '../rollup/rollup-plan.ts';

const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);

/** What the rollup rows of one period length should be, counted from the records in SQL: one line per row. */
function expectedRows(db: Database.Database, periodMinutes: number): string[] {
  const rows = db.prepare(
    `SELECT ("startTime" / ${periodMinutes * 60_000}) * ${periodMinutes} AS "p", "sourceId", COALESCE("upstreamCluster", '') AS "c",
       COALESCE("upstreamHost", '') AS "h", COALESCE("upstreamIp", '') AS "ip", COALESCE("upstreamKind", '') AS "k",
       COALESCE("upstreamNamespace", '') AS "ns", COALESCE("upstreamPod", '') AS "pod", COALESCE("upstreamService", '') AS "svc",
       COALESCE("status", -1) AS "st", COALESCE("responseFlags", '') AS "fl", COUNT(*) AS "n", SUM("upstreamAmbiguous") AS "amb",
       COUNT("durationMs") AS "timed", COALESCE(SUM("durationMs"), 0) AS "sum", GROUP_CONCAT("durationMs") AS "durations"
     FROM "AccessRecord" WHERE "startTime" IS NOT NULL
     GROUP BY "p", "sourceId", "c", "h", "ip", "k", "ns", "pod", "svc", "st", "fl"`,
  ).all() as Record<string, string | number | null>[];
  return rows.map((r) => {
    const h: BucketCounts = new Map();
    for (const d of String(r.durations ?? '').split(',').filter(Boolean)) addDuration(h, Number(d));
    return [r.p, r.sourceId, r.c, r.h, r.ip, r.k, r.ns, r.pod, r.svc, r.st, r.fl, r.n, r.amb, r.timed, r.sum, encodeHistogram(h)].join(' | ');
  }).sort();
}

function actualRows(db: Database.Database, periodMinutes: number): string[] {
  const rows = db.prepare(
    `SELECT "periodStart", "sourceId", "cluster", "upstreamHost", "upstreamIp", "upstreamKind", "upstreamNamespace", "upstreamPod",
       "upstreamService", "status", "responseFlags", "records", "ambiguous", "timed", "durationSumMs", "histogram"
     FROM ${rollupTable(periodMinutes)} WHERE "periodMinutes" = ?`,
  ).raw().all(periodMinutes) as unknown[][];
  return rows.map((r) => r.join(' | ')).sort();
}

function assertRollupsMatchRecords(file: string, message = ''): void {
  const db = new Database(file, { readonly: true });
  try {
    for (const p of [1, 60]) {
      const expected = expectedRows(db, p);
      assert.ok(expected.length > 0);
      assert.deepEqual(actualRows(db, p), expected, `${p === 1 ? 'minute' : 'hour'} rows ${message}`);
    }
  } finally {
    db.close();
  }
}

const sum = (db: Database.Database, sql: string) => Number((db.prepare(sql).get() as { n: number | bigint | null }).n ?? 0);

test('rollups answer the filters they keep, and no other', () => {
  assert.deepEqual(rollupFilterSql({ since: 1, until: 2 }), { sql: '1 = 1', params: {}, joinSource: false });
  assert.equal(rollupFilterSql({ namespace: 'default', statusClass: 0 })!.sql, `s."namespace" = @namespace AND u."status" < 100`);
  assert.equal(rollupFilterSql({ sourcePod: 'a' })!.joinSource, true);
  for (const f of [{ requestId: 'x' }, { pathPrefix: '/api' }, { cluster: '' }, { upstream: '' }, { method: 'GET' }]) {
    assert.equal(rollupFilterSql(f as RecordFilter), null, JSON.stringify(f));
  }
});

describe('rollups kept at ingest', () => {
  const temps: TempDatabase[] = [];
  after(() => temps.forEach((t) => t.remove()));
  const fresh = async (name: string) => {
    const t = tempSqliteDatabase(name);
    temps.push(t);
    await deployMigrations(t.url);
    return t;
  };

  test('every minute and hour row equals the count of its records (random records over three days, random batches)', async () => {
    const t = await fresh('rollups-random');
    const rows = randomRecords({ seed: 11, start: T0 + 17_123, spanMs: 3 * 24 * HOUR, count: 12_000 });
    const store = new SqliteIngestStore(t.url);
    assert.equal(await ingestRandom(store, rows, 5), rows.length);
    await store.close();
    assertRollupsMatchRecords(sqliteFilePath(t.url));
    const db = new Database(sqliteFilePath(t.url), { readonly: true });
    assert.equal(sum(db, `SELECT SUM("records") AS n FROM "RecordRollupHour"`), rows.filter((r) => r.record.startTime !== null).length);
    assert.deepEqual(rollupGaps(db), [], 'everything ingested is covered');
    db.close();
  });

  test('the same lines read again, or by a second writer, are counted once', async () => {
    const t = await fresh('rollups-again');
    const rows = randomRecords({ seed: 12, start: T0, spanMs: 6 * HOUR, count: 3000 });
    const one = new SqliteIngestStore(t.url);
    const two = new SqliteIngestStore(t.url);
    await ingestRandom(one, rows.slice(0, 2000), 1);
    // Overlapping re-reads from another connection, and the whole set again.
    assert.equal(await ingestRandom(two, rows.slice(1000, 2500), 2), 500);
    assert.equal(await ingestRandom(one, rows, 3), 500);
    assert.equal(await ingestRandom(two, rows, 4), 0);
    await one.close();
    await two.close();
    assertRollupsMatchRecords(sqliteFilePath(t.url));
  });

  test('records stored by something that keeps no rollups: read from the records until the next ingest counts them', async () => {
    const t = await fresh('rollups-foreign');
    const rows = randomRecords({ seed: 13, start: T0, spanMs: 10 * HOUR, count: 4000 });
    const store = new SqliteIngestStore(t.url);
    await ingestRandom(store, rows.slice(0, 3000), 1);
    const file = sqliteFilePath(t.url);
    // An older envoy-lens (or a script) adds records straight into the table, in the middle of the covered hours.
    const db = new Database(file);
    const insert = db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "status", "durationMs", "upstreamPod") VALUES (1, ?, ?, 200, 7, 'backend-9')`);
    for (let i = 0; i < 40; i++) insert.run(100_000 + i, T0 + 4 * HOUR + i * 60_000);
    const gaps = rollupGaps(db)!;
    assert.deepEqual(gaps, [[T0 + 4 * HOUR, T0 + 4 * HOUR + 39 * 60_000 + 1]]);
    const chart = new SqliteChartStore(db);
    const raw = new SqliteChartStore(db, { rollups: false });
    const filter = { since: T0, until: T0 + 10 * HOUR };
    assert.deepEqual(await chart.topUpstreams(filter, 50), await raw.topUpstreams(filter, 50));
    assert.deepEqual(await chart.recordSpan(filter), await raw.recordSpan(filter));
    // The next ingest transaction counts them, and the rollups are whole again.
    await ingestRandom(store, rows.slice(3000), 2);
    await store.close();
    assert.deepEqual(rollupGaps(db), []);
    assert.equal(rollupStatus(db)!.uncounted, 0);
    db.close();
    assertRollupsMatchRecords(file, 'after catching up');
  });

  test('many records stored without rollups: the rebuild counts them in bounded transactions', async () => {
    const t = await fresh('rollups-foreign-many');
    const store = new SqliteIngestStore(t.url);
    await ingestRandom(store, randomRecords({ seed: 16, start: T0, spanMs: 4 * HOUR, count: 500 }), 1);
    await store.close();
    const file = sqliteFilePath(t.url);
    const db = new Database(file);
    const insert = db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "status", "durationMs", "upstreamPod") VALUES (2, ?, ?, 503, ?, 'backend-9')`);
    for (let i = 0; i < 100; i++) insert.run(200_000 + i, i % 7 === 0 ? null : T0 + i * 97_000, i % 5 === 0 ? null : i * 13);
    const result = rebuildRollups(db, { maxRecordsPerTransaction: 7 });
    assert.equal(result.caughtUp, 100 - 15, 'those with a start time');
    assert.ok(result.transactions >= 15, JSON.stringify(result));
    assert.deepEqual(rollupGaps(db), []);
    db.close();
    assertRollupsMatchRecords(file);
  });

  test('a database migrated before rollups existed: its records read from the records, then rebuilt into rollups', async () => {
    const t = tempSqliteDatabase('rollups-migrated');
    temps.push(t);
    const file = sqliteFilePath(t.url);
    const migrations = readdirSync(migrationsDir).filter((d) => /^\d+_/.test(d)).sort();
    const rollupsMigration = migrations.find((d) => d.endsWith('_rollups'))!;
    const db = new Database(file);
    // The schema as it was before: every earlier migration, applied as the engine applies them (whole scripts).
    for (const m of migrations.filter((d) => d < rollupsMigration)) db.exec(readFileSync(path.join(migrationsDir, m, 'migration.sql'), 'utf8'));
    const rows = randomRecords({ seed: 14, start: T0 + 5 * 60_000, spanMs: 30 * HOUR, count: 6000 });
    const source = db.prepare(`INSERT INTO "Source" ("key", "kind", "namespace", "pod", "format", "createdAt", "updatedAt") VALUES (?, 'pod', ?, ?, 'f', 0, 0) RETURNING "id"`);
    const ids = RANDOM_SOURCES.map((s) => (source.get(s.key, s.namespace, s.pod) as { id: number }).id);
    const insert = db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "status", "responseFlags", "durationMs", "upstreamHost", "upstreamIp",
      "upstreamCluster", "upstreamKind", "upstreamNamespace", "upstreamPod", "upstreamService", "upstreamAmbiguous") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    db.transaction(() => {
      for (const r of rows.slice(0, 4000)) {
        const a = r.attribution;
        insert.run(ids[r.source], r.seq, r.record.startTime, r.record.status, r.record.responseFlags, r.record.durationMs, r.record.upstreamHost, r.record.upstreamIp,
          r.record.upstreamCluster, a?.upstreamKind ?? null, a?.upstreamNamespace ?? null, a?.upstreamPod ?? null, a?.upstreamService ?? null, a?.upstreamAmbiguous ? 1 : 0);
      }
    })();
    // The rollups migration and every later one, as deployMigrations would run them.
    for (const m of migrations.filter((d) => d >= rollupsMigration)) db.exec(readFileSync(path.join(migrationsDir, m, 'migration.sql'), 'utf8'));
    const stored = rows.slice(0, 4000).map((r) => r.record.startTime).filter((x): x is number => x !== null);
    const lo = Math.floor(Math.min(...stored) / HOUR) * HOUR, hi = (Math.floor(Math.max(...stored) / HOUR) + 1) * HOUR;
    assert.deepEqual(rollupGaps(db), [[lo, hi]], 'the whole hours of the old records are uncovered');
    assert.equal(rollupStatus(db)!.uncounted, 0, 'and not left for the first ingest to count');

    // New records arrive (some in the old hours too) while the old ones are not rolled up yet: answers stay right.
    const store = new SqliteIngestStore(t.url);
    await ingestRandom(store, rows.slice(4000), 1);
    const chart = new SqliteChartStore(db);
    const raw = new SqliteChartStore(db, { rollups: false });
    const grid = { originMs: Math.floor(T0 / HOUR) * HOUR, bucketMs: HOUR };
    const filter = {};
    const statusKey = (r: { bucket: number; status: number | null; responseFlags: string | null; count: number }) => `${r.bucket} ${r.status} ${r.responseFlags} ${r.count}`;
    assert.deepEqual((await chart.statusCounts(filter, grid)).map(statusKey).sort(), (await raw.statusCounts(filter, grid)).map(statusKey).sort());

    // Rebuild in small transactions; then the old hours are covered, and the rows equal the records' counts.
    const result = rebuildRollups(db, { maxRecordsPerTransaction: 300 });
    assert.equal(result.coverageComplete, true);
    assert.ok(result.transactions > result.hours, 'busy hours split into several transactions');
    assert.deepEqual(rollupGaps(db), []);
    assertRollupsMatchRecords(file, 'after rebuild');
    assert.deepEqual((await chart.statusCounts(filter, grid)).map(statusKey).sort(), (await raw.statusCounts(filter, grid)).map(statusKey).sort());
    assert.deepEqual(await chart.recordSpan(filter), await raw.recordSpan(filter));

    // Idempotent: again over an explicit range, the same rows.
    const before = [actualRows(db, 1), actualRows(db, 60)];
    rebuildRollups(db, { fromMs: lo, toMs: hi + 5 * HOUR });
    assert.deepEqual([actualRows(db, 1), actualRows(db, 60)], before);
    await store.close();
    db.close();
  });

  test('the hour_rollups migration moves hour rows kept in RecordRollup to RecordRollupHour, unchanged', async () => {
    const t = await fresh('rollups-hour-table');
    const store = new SqliteIngestStore(t.url);
    await ingestRandom(store, randomRecords({ seed: 16, start: T0, spanMs: 5 * HOUR, count: 2000 }), 1);
    await store.close();
    const db = new Database(sqliteFilePath(t.url));
    const hours = actualRows(db, 60);
    const minutes = actualRows(db, 1);
    // The layout before the migration: hour rows in RecordRollup beside the minute rows, no RecordRollupHour.
    db.exec(`INSERT INTO "RecordRollup" SELECT NULL, "periodMinutes", "periodStart", "sourceId", "cluster", "upstreamHost", "upstreamIp",
      "upstreamKind", "upstreamNamespace", "upstreamPod", "upstreamService", "status", "responseFlags", "records", "ambiguous", "timed",
      "durationSumMs", "histogram" FROM "RecordRollupHour"`);
    db.exec(`DROP TABLE "RecordRollupHour"`);
    const migration = readdirSync(migrationsDir).find((d) => d.endsWith('_hour_rollups'))!;
    db.exec(readFileSync(path.join(migrationsDir, migration, 'migration.sql'), 'utf8'));
    assert.ok(hours.length > 0);
    assert.deepEqual(actualRows(db, 60), hours);
    assert.deepEqual(actualRows(db, 1), minutes);
    assert.equal(sum(db, `SELECT COUNT(*) AS n FROM "RecordRollup" WHERE "periodMinutes" <> 1`), 0);
    db.close();
    assertRollupsMatchRecords(sqliteFilePath(t.url));
  });

  test('rollups outlive pruned records: long charts still count them, and a rebuild keeps them', async () => {
    const t = await fresh('rollups-pruned');
    const rows = randomRecords({ seed: 15, start: T0, spanMs: 20 * HOUR, count: 5000 });
    const store = new SqliteIngestStore(t.url);
    await ingestRandom(store, rows, 1);
    await store.close();
    const db = new Database(sqliteFilePath(t.url));
    const total = rows.filter((r) => r.record.startTime !== null).length;
    // Retention deletes the records of the first ten hours; their rollups stay.
    const cutoff = T0 + 10 * HOUR;
    const pruned = db.prepare(`DELETE FROM "AccessRecord" WHERE "startTime" < ?`).run(cutoff).changes;
    assert.ok(pruned > 0);
    const chart = new SqliteChartStore(db);
    const span = (await chart.recordSpan({}))!;
    assert.equal(span.records, total, 'counted from the rollups where the records are gone');
    assert.ok(span.firstMs < cutoff && span.firstMs % 60_000 === 0, 'the first minute still counted');
    rebuildRollups(db, { fromMs: T0, toMs: T0 + 20 * HOUR });
    assert.equal((await chart.recordSpan({}))!.records, total, 'hours without records keep their rows');
    db.close();
  });
});
