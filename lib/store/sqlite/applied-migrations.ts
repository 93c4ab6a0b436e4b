// Which migrations a SQLite database has applied, read without the schema engine: the engine writes to the database
// even when nothing is pending, which waits on (and can fail against) a collector writing at the same time.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';

/** Names of the migrations applied and not rolled back; null when the file or the migrations table is missing. */
export function appliedMigrationNames(file: string): Set<string> | null {
  if (!existsSync(file)) return null;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const table = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
    if (!table) return null;
    const rows = db.prepare(`SELECT "migration_name" AS name FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`).all() as { name: string }[];
    return new Set(rows.map((r) => r.name));
  } finally {
    db.close();
  }
}
