// Test helper: the same test on every database envoy-lens supports. Each backend makes a fresh database per call:
// a SQLite file in its own temporary folder, or a PostgreSQL database on the test server (see test-postgres.ts).
//
//   for (const backend of testBackends) {
//     describe(backend.kind, () => { test('…', async () => { const db = await backend.create(); … await db.remove(); }); });
//   }
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseKind } from '../store/database-url.ts';
import { tempPostgresDatabase } from './test-postgres.ts';

export interface TestDatabase {
  kind: DatabaseKind;
  url: string;
  /** A temporary folder for the test's other files (removed with the database). */
  dir: string;
  remove(): Promise<void>;
}

export interface TestBackend {
  kind: DatabaseKind;
  /** A fresh database; PostgreSQL ones start migrated unless `migrated: false` (SQLite files start empty and are
   * migrated by whatever opens them for writing). */
  create(options?: { migrated?: boolean; name?: string }): Promise<TestDatabase>;
}

function tempDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `${name}-`));
}

export const sqliteBackend: TestBackend = {
  kind: 'sqlite',
  async create(options = {}) {
    const dir = tempDir(options.name ?? 'envoy-lens');
    const url = `file:${path.join(dir, 'test.db')}`;
    if (options.migrated) {
      const { deployMigrations } = await import('../store/migrate.ts');
      await deployMigrations(url);
    }
    return { kind: 'sqlite', url, dir, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

export const postgresBackend: TestBackend = {
  kind: 'postgresql',
  async create(options = {}) {
    const dir = tempDir(options.name ?? 'envoy-lens');
    const db = await tempPostgresDatabase({ migrated: options.migrated !== false });
    return {
      kind: 'postgresql',
      url: db.url,
      dir,
      remove: async () => {
        // Prisma clients and stores left open by the test hold connections; the drop forces them closed.
        await db.drop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const testBackends: readonly TestBackend[] = [sqliteBackend, postgresBackend];
