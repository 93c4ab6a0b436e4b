// Prisma's own migration engine (wasm) on a real SQLite file and a real PostgreSQL database: applies offline, then is
// a no-op.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { tempPostgresDatabase } from '../testing/test-postgres.ts';
import { pgConfigFrom } from './postgres/pg-config.ts';
import { cockroachdbSchemaFrom, postgresqlSchemaFrom, schemaVariants } from './schema-variants.ts';
import { tempSqliteDatabase } from '../testing/temp-database.ts';
import { sqliteFilePath } from './database-url.ts';
import { createMigration, deployMigrations, diffSchemas } from './migrate.ts';

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

// PostgreSQL: the same migrations, each with a twin of the same name in prisma/postgresql/migrations.
test('PostgreSQL: applies every migration to an empty database, then finds nothing to apply', async () => {
  const scratch = await tempPostgresDatabase({ migrated: false });
  try {
    const applied = await deployMigrations(scratch.url);
    assert.deepEqual(applied, migrationNames(schemaVariants.postgresql.migrationsDir));
    assert.deepEqual(await deployMigrations(scratch.url), []);
    const client = new pg.Client(pgConfigFrom(scratch.url));
    await client.connect();
    try {
      const tables = (await client.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'`)).rows.map((r) => r.t);
      for (const t of ['AccessRecord', 'IngestCheckpoint', 'RejectedLine', 'Source', 'Finding', '_prisma_migrations']) assert.ok(tables.includes(t), t);
      const indexes = (await client.query<{ i: string }>(`SELECT indexname AS i FROM pg_indexes WHERE tablename = 'AccessRecord'`)).rows.map((r) => r.i);
      for (const column of ['startTime', 'requestId', 'upstreamHost']) assert.ok(indexes.some((n) => n.includes(column)), `${column}: ${indexes.join(', ')}`);
    } finally {
      await client.end();
    }
  } finally {
    await scratch.drop();
  }
});

test('PostgreSQL: the committed schema is the SQLite schema with the provider swapped, and its migrations match it', async () => {
  assert.equal(readFileSync(schemaVariants.postgresql.schemaPath, 'utf8'), postgresqlSchemaFrom(readFileSync(schemaVariants.sqlite.schemaPath, 'utf8')),
    'prisma/postgresql/schema.prisma is stale: run npm run db:schemas');
  assert.deepEqual(migrationNames(schemaVariants.postgresql.migrationsDir), migrationNames(schemaVariants.sqlite.migrationsDir),
    'every migration needs a PostgreSQL twin of the same name (npm run db:new writes both)');
  const scratch = await tempPostgresDatabase({ migrated: false });
  try {
    assert.equal(await createMigration(scratch.url, 'drift_check', { dryRun: true }), null,
      'prisma/postgresql/schema.prisma has changes no PostgreSQL migration holds');
  } finally {
    await scratch.drop();
  }
});

function migrationNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

test('CockroachDB: the schema is valid for Prisma\'s cockroachdb provider and the engine writes its tables', async () => {
  const schema = cockroachdbSchemaFrom(readFileSync(schemaVariants.sqlite.schemaPath, 'utf8'));
  assert.match(schema, /provider = "cockroachdb"/);
  assert.doesNotMatch(schema, /autoincrement\(\)/);
  // The engine validates the datamodel against the provider before writing any SQL (a PostgreSQL connection is only
  // the adapter it is handed; nothing is applied).
  const scratch = await tempPostgresDatabase({ migrated: false });
  try {
    const sql = await diffSchemas('postgresql', scratch.url, null, schema);
    assert.match(sql, /CREATE TABLE "AccessRecord"/);
    assert.match(sql, /"id" INT4 NOT NULL GENERATED BY DEFAULT AS IDENTITY/);
    assert.match(sql, /"upstreamHost" STRING/, 'CockroachDB column types');
  } finally {
    await scratch.drop();
  }
});
