// SQLite side of the chart queries: records counted per bucket and status, per bucket and duration, per upstream, so a
// chart over an hour of busy traffic reads thousands of rows rather than every record. Start times are epoch ms
// integers here, so a bucket is an integer division.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { BucketGrid, ChartStore, DurationCount, RecordSpan, StatusCount, UpstreamDurationCount, UpstreamTotal } from '../chart-store.ts';
import { sqliteFilePath } from '../database-url.ts';
import type { RecordFilter } from '../queries/record-filter.ts';
import { recordFilterSql } from './record-filter-sql.ts';

type Num = number | bigint;

/** Who served a record, as the latency page names it (and as the `upstream` filter matches it). */
const UPSTREAM = `COALESCE(r."upstreamPod", r."upstreamService", r."upstreamIp", r."upstreamHost")`;

/** Null when the file does not exist or is not migrated yet (no records to chart). */
export function openSqliteChartStore(databaseUrl: string): SqliteChartStore | null {
  const file = sqliteFilePath(databaseUrl);
  if (!existsSync(file)) return null;
  const db = new Database(file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'AccessRecord'`).get();
  if (!table) {
    db.close();
    return null;
  }
  return new SqliteChartStore(db);
}

export class SqliteChartStore implements ChartStore {
  constructor(private readonly db: Database.Database) {}

  close(): void {
    this.db.close();
  }

  async recordSpan(filter: RecordFilter): Promise<RecordSpan | null> {
    const { from, params } = this.fromWhere(filter);
    const row = this.db.prepare(`SELECT MIN(r."startTime") AS "first", MAX(r."startTime") AS "last", COUNT(*) AS "n" ${from}`).get(params) as { first: Num | null; last: Num | null; n: Num };
    return row.first === null || row.last === null ? null : { firstMs: Number(row.first), lastMs: Number(row.last), records: Number(row.n) };
  }

  async statusCounts(filter: RecordFilter, grid: BucketGrid): Promise<StatusCount[]> {
    const { from, params } = this.fromWhere(filter);
    const rows = this.db
      .prepare(`SELECT ${bucketSql} AS "bucket", r."status" AS "status", r."responseFlags" AS "responseFlags", COUNT(*) AS "count" ${from}
        GROUP BY "bucket", r."status", r."responseFlags" ORDER BY "bucket"`)
      .all({ ...params, ...gridParams(grid) }) as { bucket: Num; status: Num | null; responseFlags: string | null; count: Num }[];
    return rows.map((r) => ({ bucket: Number(r.bucket), status: r.status === null ? null : Number(r.status), responseFlags: r.responseFlags, count: Number(r.count) }));
  }

  async durationCounts(filter: RecordFilter, grid: BucketGrid): Promise<DurationCount[]> {
    const { from, params } = this.fromWhere(filter, [`r."durationMs" IS NOT NULL`]);
    const rows = this.db
      .prepare(`SELECT ${bucketSql} AS "bucket", r."durationMs" AS "durationMs", COUNT(*) AS "count" ${from}
        GROUP BY "bucket", r."durationMs" ORDER BY "bucket", r."durationMs"`)
      .all({ ...params, ...gridParams(grid) }) as { bucket: Num; durationMs: Num; count: Num }[];
    return rows.map((r) => ({ bucket: Number(r.bucket), durationMs: Number(r.durationMs), count: Number(r.count) }));
  }

  async topUpstreams(filter: RecordFilter, limit: number): Promise<UpstreamTotal[]> {
    const { from, params } = this.fromWhere(filter, [`${UPSTREAM} IS NOT NULL`]);
    const rows = this.db
      .prepare(`SELECT ${UPSTREAM} AS "upstream", COUNT(*) AS "records", COUNT(r."durationMs") AS "timed" ${from}
        GROUP BY "upstream" ORDER BY "records" DESC, "upstream" LIMIT @limit`)
      .all({ ...params, limit: Math.max(1, Math.floor(limit)) }) as { upstream: string; records: Num; timed: Num }[];
    return rows.map((r) => ({ upstream: r.upstream, records: Number(r.records), timed: Number(r.timed) }));
  }

  async upstreamDurationCounts(filter: RecordFilter, grid: BucketGrid | null, upstreams: readonly string[]): Promise<UpstreamDurationCount[]> {
    if (upstreams.length === 0) return [];
    const names = Object.fromEntries(upstreams.map((u, i) => [`up${i}`, u]));
    const { from, params } = this.fromWhere(filter, [`r."durationMs" IS NOT NULL`, `${UPSTREAM} IN (${Object.keys(names).map((k) => `@${k}`).join(', ')})`]);
    const rows = this.db
      .prepare(`SELECT ${UPSTREAM} AS "upstream", ${grid ? bucketSql : '0'} AS "bucket", r."durationMs" AS "durationMs", COUNT(*) AS "count" ${from}
        GROUP BY "upstream", "bucket", r."durationMs" ORDER BY "upstream", "bucket", r."durationMs"`)
      .all({ ...params, ...names, ...(grid ? gridParams(grid) : {}) }) as { upstream: string; bucket: Num; durationMs: Num; count: Num }[];
    return rows.map((r) => ({ upstream: r.upstream, bucket: Number(r.bucket), durationMs: Number(r.durationMs), count: Number(r.count) }));
  }

  /** FROM and WHERE for the filter; the Source table is joined only when the filter names a source. */
  private fromWhere(filter: RecordFilter, extra: string[] = []): { from: string; params: Record<string, string | number> } {
    const { sql, params } = recordFilterSql(filter);
    const join = filter.namespace !== undefined || filter.sourcePod !== undefined ? ` JOIN "Source" s ON s."id" = r."sourceId"` : '';
    return { from: `FROM "AccessRecord" r${join} WHERE r."startTime" IS NOT NULL AND ${[sql, ...extra].join(' AND ')}`, params };
  }
}

// better-sqlite3 binds JS numbers as REAL: the casts keep the division an integer one.
const bucketSql = `(r."startTime" - CAST(@originMs AS INTEGER)) / CAST(@bucketMs AS INTEGER)`;

function gridParams(grid: BucketGrid): { originMs: number; bucketMs: number } {
  if (!Number.isInteger(grid.originMs) || !Number.isInteger(grid.bucketMs) || grid.bucketMs <= 0) {
    throw new RangeError(`chart buckets: origin and width must be integers, the width positive (got ${grid.originMs}, ${grid.bucketMs})`);
  }
  return { originMs: grid.originMs, bucketMs: grid.bucketMs };
}
