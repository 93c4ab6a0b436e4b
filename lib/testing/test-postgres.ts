// Test helper: databases on a real PostgreSQL server (Debian's postgresql, started by scripts/postgres-test-server.sh
// unless ENVOY_LENS_TEST_PG names a running one). Each test gets its own database, copied from a template that holds
// every migration, so a test starts in milliseconds on a migrated schema.
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { pgConfigFrom, withDatabase } from '../store/postgres/pg-config.ts';
import { schemaVariants } from '../store/schema-variants.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
let server: string | undefined;

/** The server's URL without a database: postgresql://user@host:port */
export function testPostgresServer(): string {
  server ??= process.env.ENVOY_LENS_TEST_PG?.replace(/\/+$/, '') ||
    execFileSync('bash', [path.join(root, 'scripts', 'postgres-test-server.sh')], { encoding: 'utf8' }).trim();
  return server;
}

async function withAdmin<T>(serverUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(pgConfigFrom(`${serverUrl}/postgres`));
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** An empty database (no tables). */
export async function createScratchPostgresDatabase(serverUrl: string, prefix = 'envoy_lens_test', template?: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`));
  return {
    url: withDatabase(`${serverUrl}/postgres`, name),
    drop: () => withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

function migrationsHash(): string {
  const dir = schemaVariants.postgresql.migrationsDir;
  const hash = createHash('sha256');
  for (const entry of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    hash.update(entry).update(readFileSync(path.join(dir, entry, 'migration.sql')));
  }
  return hash.digest('hex').slice(0, 12);
}

const templates = new Map<string, Promise<string>>();

/** A database holding every current migration, made once per server and migrations folder (test processes run in
 * parallel: an advisory lock makes one of them build it). */
function migratedTemplate(serverUrl: string): Promise<string> {
  const name = `envoy_lens_template_${migrationsHash()}`;
  let made = templates.get(name);
  if (!made) {
    made = withAdmin(serverUrl, async (admin) => {
      await admin.query('SELECT pg_advisory_lock(770077)');
      try {
        const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (exists.rowCount === 0) {
          const building = `${name}_building`;
          await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
          await admin.query(`CREATE DATABASE "${building}"`);
          const { deployMigrations } = await import('../store/migrate.ts');
          await deployMigrations(withDatabase(`${serverUrl}/postgres`, building));
          await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
        }
      } finally {
        await admin.query('SELECT pg_advisory_unlock(770077)');
      }
      return name;
    });
    templates.set(name, made);
  }
  return made;
}

/** Drops the database a URL names (if it exists) and creates it empty: the e2e demo's and the scale bench's. */
export async function recreatePostgresDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unexpected database name "${name}": expected lower-case letters, digits and _`);
  const admin = new pg.Client(pgConfigFrom(withDatabase(url, 'postgres')));
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

/** A fresh database for one test: migrated (the default) or empty. */
export async function tempPostgresDatabase(options: { migrated?: boolean } = {}): Promise<ScratchDatabase> {
  const serverUrl = testPostgresServer();
  const template = options.migrated === false ? undefined : await migratedTemplate(serverUrl);
  return createScratchPostgresDatabase(serverUrl, 'envoy_lens_test', template);
}
