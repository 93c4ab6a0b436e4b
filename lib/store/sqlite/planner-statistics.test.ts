// SQLite's planner statistics follow the records table as ingest grows it, and with them a rare path over a long
// window is read from the path index rather than by walking the window.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, test } from 'node:test';
import type { AccessRecord } from '../../envoy/access-record.ts';
import { sqliteFilePath } from '../database-url.ts';
import { tempSqliteDatabase } from '../../testing/temp-database.ts';
import { deployMigrations } from '../migrate.ts';
import { PlannerStatistics } from './planner-statistics.ts';
import { SqliteIngestStore } from './sqlite-ingest-store.ts';

/** The refresh threshold these tests use (the default, a million records, would take a minute to reach). */
const EVERY = 50_000;

const db = tempSqliteDatabase('planner-statistics');
after(() => db.remove());

const record = (i: number): AccessRecord => ({
  startTime: 1_790_000_000_000 + i * 10, startTimeNanos: null, method: 'GET', path: i % 2 ? '/' : '/api/items', protocol: 'HTTP/1.1',
  status: 200, bytesReceived: 1, bytesSent: 1, durationMs: 1, upstreamServiceTimeMs: null, requestId: null, userAgent: null,
  forwardedFor: null, authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: null,
  responseFlags: null, downstreamRemoteIp: null, ambiguousFields: null, extra: null,
});

const analyzedRows = (file: string) => {
  const d = new Database(file, { readonly: true });
  try {
    const has = d.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'`).get();
    const stat = has ? (d.prepare(`SELECT "stat" FROM sqlite_stat1 WHERE "tbl" = 'AccessRecord' LIMIT 1`).pluck().get() as string | undefined) : undefined;
    return stat === undefined ? null : Number(stat.split(' ')[0]);
  } finally {
    d.close();
  }
};

test('ingest analyzes once the table has doubled; a rare path then uses the path index', async () => {
  const file = sqliteFilePath(db.url);
  await deployMigrations(db.url);
  const store = new SqliteIngestStore(db.url, { analyzeAfterRows: EVERY });
  const { sourceId } = await store.openSource({ key: 'file:/a', kind: 'file', location: '/a', format: 'f' });
  let seq = 0;
  const write = async (n: number) => {
    const records = Array.from({ length: n }, () => ({ seq: ++seq, record: record(seq) }));
    await store.writeBatch(sourceId, { records, rejects: [], checkpoint: { linesRead: seq, bytesRead: seq, fingerprint: null, watermark: null, watermarkCount: 0 } });
  };
  await write(EVERY - 1);
  assert.equal(analyzedRows(file), null, 'not yet: too few new rows');
  await write(1);
  assert.equal(analyzedRows(file), EVERY);
  await write(EVERY - 1);
  assert.equal(analyzedRows(file), EVERY, 'not doubled yet');
  await write(1);
  assert.equal(analyzedRows(file), 2 * EVERY);
  await store.close();

  const d = new Database(file, { readonly: true });
  const plan = (path: string) => d.prepare(`EXPLAIN QUERY PLAN SELECT * FROM "AccessRecord" WHERE "startTime" >= ? AND "startTime" < ?
      AND "path" >= ? AND "path" < ? ORDER BY "startTime" DESC, "id" DESC LIMIT 101`)
    .all(0, 2_000_000_000_000, path, `${path}\u{10FFFF}`).map((r) => (r as { detail: string }).detail).join('; ');
  assert.match(plan('/nowhere'), /AccessRecord_path_startTime_idx/);
  assert.match(plan('/'), /AccessRecord_startTime_idx/);
  d.close();
});

test('a database analyzed before keeps its figure; one never analyzed but large is analyzed on the next write', () => {
  const mem = new Database(':memory:');
  mem.exec('CREATE TABLE "AccessRecord" ("id" INTEGER PRIMARY KEY, "path" TEXT); CREATE INDEX "p" ON "AccessRecord"("path")');
  const insert = mem.prepare('INSERT INTO "AccessRecord" ("path") VALUES (?)');
  mem.transaction(() => { for (let i = 0; i < EVERY; i++) insert.run(`/${i % 10}`); })();
  const stats = new PlannerStatistics(mem, { minNewRows: EVERY });
  assert.equal(stats.stale(), false, 'nothing new yet');
  assert.equal(stats.noteInserted(1), true, 'large and never analyzed: analyzed at once');
  assert.equal(new PlannerStatistics(mem, { minNewRows: EVERY }).noteInserted(1), false, 'analyzed before, 1 row new');
  mem.close();
});
