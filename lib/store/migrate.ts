// Prisma migrations without the native schema engine: the CLI's `migrate` commands need a binary that cannot be
// downloaded on these machines, so this drives Prisma's own schema engine compiled to WebAssembly
// (@prisma/schema-engine-wasm) through the better-sqlite3 driver adapter. The engine writes and checks
// `_prisma_migrations` exactly as `prisma migrate deploy` does.
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import { sqliteFilePath } from './database-url.ts';
import { appliedMigrationNames } from './sqlite/applied-migrations.ts';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
export const schemaPath = path.join(projectRoot, 'prisma', 'schema.prisma');
export const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');

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

/** Every connection the engine opens, so they can be closed when it is done (it does not close them itself). */
function trackConnections(factory: PrismaBetterSqlite3, opened: SqlDriverAdapter[]): PrismaBetterSqlite3 {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    opened.push(adapter);
    return adapter;
  };
  return factory;
}

/** SQLite's shadow database receives whole migration scripts through executeRaw; send those through executeScript. */
function scriptTolerantShadow(factory: PrismaBetterSqlite3, opened: SqlDriverAdapter[]): SqlMigrationAwareDriverAdapterFactory {
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connectToShadowDb = async (): Promise<SqlDriverAdapter> => {
    const adapter = await connectToShadowDb();
    opened.push(adapter);
    const executeRaw = adapter.executeRaw.bind(adapter);
    adapter.executeRaw = async (query) => {
      if (query.args.length === 0 && /;\s*\S/.test(query.sql)) {
        await adapter.executeScript(query.sql);
        return 0;
      }
      return executeRaw(query);
    };
    return adapter;
  };
  return factory;
}

async function withEngine<T>(databaseUrl: string, run: (engine: Engine) => Promise<T>): Promise<T> {
  await loadWasm();
  const file = sqliteFilePath(databaseUrl);
  await mkdir(path.dirname(file), { recursive: true });
  const opened: SqlDriverAdapter[] = [];
  const factory = scriptTolerantShadow(
    trackConnections(new PrismaBetterSqlite3({ url: file }, { timestampFormat: 'unixepoch-ms' }), opened),
    opened,
  );
  const bound = bindMigrationAwareSqlAdapterFactory(factory);
  const schema = await readFile(schemaPath, 'utf8');
  const logs: string[] = [];
  const engine = await engineBindings.SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    (line: string) => logs.push(line),
    bound,
  );
  try {
    return await run(engine);
  } catch (err) {
    throw new Error(`migration failed on ${file}: ${describeEngineError(err, bound)}`);
  } finally {
    engine.free();
    await Promise.all(opened.map((adapter) => adapter.dispose().catch(() => undefined)));
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

async function readMigrationsList(): Promise<engineBindings.MigrationList> {
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  const dirs = existsSync(migrationsDir)
    ? (await readdir(migrationsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  const migrationDirectories = await Promise.all(
    dirs.map(async (name) => {
      const sqlPath = path.join(migrationsDir, name, 'migration.sql');
      const content = existsSync(sqlPath)
        ? ({ tag: 'ok', value: await readFile(sqlPath, 'utf8') } as const)
        : ({ tag: 'error', value: `missing ${sqlPath}` } as const);
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

const noFilters = { externalTables: [], externalEnums: [] };

/** Applies every migration not yet applied; a no-op on an up-to-date database. Returns the names applied. */
export async function deployMigrations(databaseUrl: string): Promise<string[]> {
  const migrationsList = await readMigrationsList();
  // Up to date already (the usual case, and the case of a database a collector is writing to): no engine needed.
  const applied = appliedMigrationNames(sqliteFilePath(databaseUrl));
  if (applied && migrationsList.migrationDirectories.every((d) => applied.has(d.path))) return [];
  return withEngine(databaseUrl, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return out.appliedMigrationNames;
  });
}

/**
 * Writes a new migration for the difference between the migrations folder and schema.prisma (development only).
 * Returns its folder, or with `dryRun` the SQL it would hold; null when the schema matches the migrations.
 */
export async function createMigration(databaseUrl: string, name: string, options: { dryRun?: boolean } = {}): Promise<string | null> {
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  await mkdir(migrationsDir, { recursive: true });
  if (!existsSync(lockPath)) {
    await writeFile(lockPath, '# Written by lib/store/migrate.ts; do not edit.\nprovider = "sqlite"\n');
  }
  const list = await readMigrationsList();
  const schema = await readFile(schemaPath, 'utf8');
  return withEngine(databaseUrl, async (engine) => {
    const diff = await engine.diff({
      from: { tag: 'migrations', ...list },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
      script: true,
      exitCode: true,
      filters: noFilters,
    });
    if (diff.exitCode !== 2 || !diff.stdout) return null;
    if (options.dryRun) return diff.stdout;
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const dir = path.join(migrationsDir, `${stamp}_${name.replace(/[^a-z0-9_]+/gi, '_')}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'migration.sql'), diff.stdout);
    return dir;
  });
}
