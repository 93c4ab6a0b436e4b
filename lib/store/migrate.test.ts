// Prisma's own migration engine (wasm) on a real SQLite file: applies offline, then is a no-op.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { tempSqliteDatabase } from '../testing/temp-database.ts';
import { sqliteFilePath } from './database-url.ts';
import { createMigration, deployMigrations } from './migrate.ts';

const db = tempSqliteDatabase('migrate');
after(() => db.remove());

test('applies every migration to a fresh database, then finds nothing to apply', async () => {
  const applied = await deployMigrations(db.url);
  assert.ok(applied.length >= 1);
  assert.deepEqual(await deployMigrations(db.url), []);
  const sqlite = new Database(sqliteFilePath(db.url), { readonly: true });
  const tables = sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all().map((r) => (r as { name: string }).name);
  const history = sqlite.prepare(`SELECT migration_name, finished_at FROM _prisma_migrations`).all() as { migration_name: string; finished_at: number | null }[];
  const indexes = sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'AccessRecord'`).all().map((r) => (r as { name: string }).name);
  sqlite.close();
  for (const t of ['AccessRecord', 'IngestCheckpoint', 'RejectedLine', 'Source', '_prisma_migrations']) assert.ok(tables.includes(t), t);
  assert.deepEqual(history.map((h) => h.migration_name), applied);
  assert.ok(history.every((h) => h.finished_at !== null));
  for (const column of ['startTime', 'requestId', 'upstreamHost']) {
    assert.ok(indexes.some((name) => name.includes(column)), `an index on AccessRecord.${column}: ${indexes.join(', ')}`);
  }
});

test('the committed migrations match prisma/schema.prisma', async () => {
  const scratch = tempSqliteDatabase('migrate-diff');
  try {
    assert.equal(await createMigration(scratch.url, 'drift_check', { dryRun: true }), null,
      'schema.prisma has changes no migration holds: run npm run db:new -- NAME');
  } finally {
    scratch.remove();
  }
});
