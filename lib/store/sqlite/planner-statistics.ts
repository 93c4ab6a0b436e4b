// Keeps SQLite's planner statistics (ANALYZE: sqlite_stat1 and, with SQLITE_ENABLE_STAT4 as better-sqlite3 builds it,
// sampled keys in sqlite_stat4) in step with the records table as ingest grows it. Without them SQLite guesses every
// range equally selective and walks a week by start time to find a path that appears nowhere (5 s at 10M records);
// with them it reads the path index for a rare path and the time index for a common one. PostgreSQL's autovacuum does
// the same on its own.
//
// ANALYZE reads every index (about 7 s at 10M records on the bench machine), so it runs only when the table has doubled
// since the last one: its cost adds up to about that of the last ANALYZE alone.
import type Database from 'better-sqlite3';

/**
 * Below this many records new since the last ANALYZE, statistics are not refreshed: on a smaller table a mistaken plan
 * costs a fraction of a second, while ANALYZE holds the collector's event loop (a live collector's memory rose by
 * ~150 MB under a 2,500 lines/s soak when it ran at 50k, 100k and 200k records).
 */
export const MIN_NEW_ROWS = 1_000_000;

export class PlannerStatistics {
  /** Records the last ANALYZE saw; null: never analyzed. */
  private analyzedRows: number | null;
  private newRows = 0;
  private readonly table: string;
  /** For a never-analyzed table: whether it already held minNewRows records (checked once). */
  private largeAtStart: boolean | undefined;

  private readonly minNewRows: number;

  constructor(private readonly db: Database.Database, o: { table?: string; minNewRows?: number } = {}) {
    this.table = o.table ?? 'AccessRecord';
    this.minNewRows = o.minNewRows ?? MIN_NEW_ROWS;
    this.analyzedRows = analyzedRowsOf(db, this.table);
  }

  /** After a commit that added `n` rows: ANALYZE when the table has doubled (or was never analyzed). */
  noteInserted(n: number): boolean {
    this.newRows += n;
    return this.stale() ? this.refresh() : false;
  }

  /** Whether enough rows came since the last ANALYZE to refresh. */
  stale(): boolean {
    if (this.newRows === 0) return false;
    if (this.newRows >= Math.max(this.minNewRows, this.analyzedRows ?? 0)) return true;
    if (this.analyzedRows !== null) return false;
    this.largeAtStart ??= this.isLarge();
    return this.largeAtStart;
  }

  /**
   * ANALYZE now, in full (a sampling limit would drop the sqlite_stat4 samples the range estimates need), one index of
   * the table at a time: each is its own write transaction of about a second at 10M records, so another writer on the
   * file (a second collector) waits well within its busy timeout; one ANALYZE of everything held the lock for 7 s.
   * The other tables (the rollups are the largest, about 1/20 of the records) are analyzed one by one.
   */
  refresh(): boolean {
    this.db.pragma('analysis_limit = 0');
    const indexes = this.db.prepare(`SELECT "name" FROM sqlite_master WHERE "type" = 'index' AND "tbl_name" = ?`).pluck().all(this.table) as string[];
    for (const index of indexes) this.db.exec(`ANALYZE "${index.replaceAll('"', '""')}"`);
    const others = this.db.prepare(`SELECT "name" FROM sqlite_master WHERE "type" = 'table' AND "name" NOT LIKE 'sqlite_%' AND "name" <> ?`).pluck().all(this.table) as string[];
    for (const table of others) this.db.exec(`ANALYZE "${table.replaceAll('"', '""')}"`);
    this.analyzedRows = analyzedRowsOf(this.db, this.table) ?? 0;
    this.newRows = 0;
    return true;
  }

  /** A never-analyzed table that already holds many rows (a database from before statistics were kept). */
  private isLarge(): boolean {
    const n = Math.floor(this.minNewRows);
    return this.db.prepare(`SELECT COUNT(*) AS "n" FROM (SELECT 1 FROM "${this.table}" LIMIT ${n})`).pluck().get() === n;
  }
}

/** The row count sqlite_stat1 holds for the table (its first number), or null when it was never analyzed. */
function analyzedRowsOf(db: Database.Database, table: string): number | null {
  const hasStats = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'`).get();
  if (!hasStats) return null;
  const stat = db.prepare(`SELECT "stat" FROM sqlite_stat1 WHERE "tbl" = ? LIMIT 1`).pluck().get(table) as string | undefined;
  if (stat === undefined) return null;
  const rows = Number(stat.split(' ')[0]);
  return Number.isFinite(rows) ? rows : null;
}
