// Prisma migrations without the native schema engine: the CLI's `migrate` commands need a binary that cannot be
// downloaded on these machines, so this drives Prisma's own schema engine compiled to WebAssembly
// (@prisma/schema-engine-wasm) through a driver adapter: better-sqlite3 for SQLite, node-postgres for PostgreSQL.
// The engine writes and checks `_prisma_migrations` exactly as `prisma migrate deploy` does. Each provider has its
// own migrations folder (see lib/store/schema-variants.ts); every migration exists in both under the same name.
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import { databaseKind, redact, sqliteFilePath } from './database-url.ts';
import { schemaVariants, type SchemaVariant } from './schema-variants.ts';

export const schemaPath = schemaVariants.sqlite.schemaPath;
export const migrationsDir = schemaVariants.sqlite.migrationsDir;

type Engine = engineBindings.SchemaEngine;
let wasmReady: Promise<void> | undefined;

function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    // The .wasm file is not in the package's "exports": locate it beside the JS bindings.
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
    const bytes = await readFile(path.join(dir, 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': engineBindings as never });
    engineBindings.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  })();
  return wasmReady;
}

async function migrationFactory(databaseUrl: string, opened: SqlDriverAdapter[]): Promise<SqlMigrationAwareDriverAdapterFactory> {
  if (databaseKind(databaseUrl) === 'sqlite') {
    const { sqliteMigrationFactory } = await import('./sqlite/sqlite-migration-adapter.ts');
    return sqliteMigrationFactory(databaseUrl, opened);
  }
  const { postgresMigrationFactory } = await import('./postgres/postgres-migration-adapter.ts');
  return postgresMigrationFactory(databaseUrl, opened);
}

async function withEngine<T>(databaseUrl: string, run: (engine: Engine, variant: SchemaVariant) => Promise<T>): Promise<T> {
  await loadWasm();
  const variant = schemaVariants[databaseKind(databaseUrl)];
  const opened: SqlDriverAdapter[] = [];
  const bound = bindMigrationAwareSqlAdapterFactory(await migrationFactory(databaseUrl, opened));
  const schema = await readFile(variant.schemaPath, 'utf8');
  const logs: string[] = [];
  const engine = await engineBindings.SchemaEngine.new(
    { datamodels: [[variant.schemaPath, schema]] },
    (line: string) => logs.push(line),
    bound,
  );
  try {
    return await run(engine, variant);
  } catch (err) {
    throw new Error(`migration failed on ${redact(databaseUrl)}: ${describeEngineError(err, bound)}`);
  } finally {
    engine.free();
    // Shadow databases last opened are disposed first (PostgreSQL drops them through an earlier connection).
    for (const adapter of opened.reverse()) await adapter.dispose().catch(() => undefined);
  }
}

function describeEngineError(err: unknown, bound: { errorRegistry: { consumeError(id: number): unknown } }): string {
  const text = err instanceof Error ? err.message : String(err);
  const id = /External error id#(\d+)/.exec(text);
  if (id) {
    const record = bound.errorRegistry.consumeError(Number(id[1]));
    if (record) return `${text}: ${JSON.stringify(record)}`;
  }
  return text;
}

async function readMigrationsList(variant: SchemaVariant): Promise<engineBindings.MigrationList> {
  const dir = variant.migrationsDir;
  const lockPath = path.join(dir, 'migration_lock.toml');
  const dirs = existsSync(dir)
    ? (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  const migrationDirectories = await Promise.all(
    dirs.map(async (name) => {
      const sqlPath = path.join(dir, name, 'migration.sql');
      const content = existsSync(sqlPath)
        ? ({ tag: 'ok', value: await readFile(sqlPath, 'utf8') } as const)
        : ({ tag: 'error', value: `missing ${sqlPath}` } as const);
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

const noFilters = { externalTables: [], externalEnums: [] };

async function appliedMigrations(databaseUrl: string): Promise<Set<string> | null> {
  if (databaseKind(databaseUrl) === 'sqlite') {
    const { appliedMigrationNames } = await import('./sqlite/applied-migrations.ts');
    return appliedMigrationNames(sqliteFilePath(databaseUrl));
  }
  const { appliedPostgresMigrations } = await import('./postgres/applied-migrations.ts');
  return appliedPostgresMigrations(databaseUrl);
}

/** Applies every migration not yet applied; a no-op on an up-to-date database. Returns the names applied. */
export async function deployMigrations(databaseUrl: string): Promise<string[]> {
  const migrationsList = await readMigrationsList(schemaVariants[databaseKind(databaseUrl)]);
  // Up to date already (the usual case, and the case of a database a collector is writing to): no engine needed.
  const applied = await appliedMigrations(databaseUrl);
  if (applied && migrationsList.migrationDirectories.every((d) => applied.has(d.path))) return [];
  return withEngine(databaseUrl, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return out.appliedMigrationNames;
  });
}

/**
 * Writes a migration for the difference between the database's migrations folder and its schema (development only):
 * SQLite's from prisma/schema.prisma, PostgreSQL's from the variant written by `npm run db:schemas`. Returns the
 * folder, or with `dryRun` the SQL it would hold; null when the schema matches the migrations. `folderName` gives the
 * folder an exact name (the twin of a migration of the other provider).
 */
export async function createMigration(
  databaseUrl: string,
  name: string,
  options: { dryRun?: boolean; folderName?: string } = {},
): Promise<string | null> {
  const variant = schemaVariants[databaseKind(databaseUrl)];
  const lockPath = path.join(variant.migrationsDir, 'migration_lock.toml');
  if (!options.dryRun) {
    await mkdir(variant.migrationsDir, { recursive: true });
    if (!existsSync(lockPath)) {
      await writeFile(lockPath, `# Written by lib/store/migrate.ts; do not edit.\nprovider = "${variant.provider}"\n`);
    }
  }
  const list = await readMigrationsList(variant);
  const schema = await readFile(variant.schemaPath, 'utf8');
  return withEngine(databaseUrl, async (engine) => {
    const diff = await engine.diff({
      from: { tag: 'migrations', ...list },
      to: { tag: 'schemaDatamodel', files: [{ path: variant.schemaPath, content: schema }] },
      script: true,
      exitCode: true,
      filters: noFilters,
    });
    if (diff.exitCode !== 2 || !diff.stdout) return null;
    if (options.dryRun) return diff.stdout;
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const dir = path.join(variant.migrationsDir, options.folderName ?? `${stamp}_${name.replace(/[^a-z0-9_]+/gi, '_')}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'migration.sql'), diff.stdout);
    return dir;
  });
}

/** The SQL between two schema texts of one provider, without a database (used to write PostgreSQL twins of
 * migrations that predate the PostgreSQL folder). */
export async function diffSchemas(kind: 'sqlite' | 'postgresql', databaseUrl: string, fromSchema: string | null, toSchema: string): Promise<string> {
  if (databaseKind(databaseUrl) !== kind) throw new Error(`diffSchemas(${kind}) needs a ${kind} URL`);
  return withEngine(databaseUrl, async (engine, variant) => {
    const diff = await engine.diff({
      from: fromSchema === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: variant.schemaPath, content: fromSchema }] },
      to: { tag: 'schemaDatamodel', files: [{ path: variant.schemaPath, content: toSchema }] },
      script: true,
      exitCode: true,
      filters: noFilters,
    });
    return diff.stdout ?? '';
  });
}
