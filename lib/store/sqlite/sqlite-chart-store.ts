// SQLite side of the chart queries: records counted per bucket and status, per bucket and duration, per upstream, so a
// chart over an hour of busy traffic reads thousands of rows rather than every record. Start times are epoch ms
// integers here, so a bucket is an integer division.
//
// Over longer ranges the whole minutes and hours inside the filter's range are read from the rollups
// (sqlite-rollups.ts) and only the partial minutes at its edges, and periods the rollups do not cover, from the
// records (lib/store/rollup/rollup-plan.ts): counts stay exact, durations there come from histogram buckets
// (DurationCount.approximate).
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { OTHER_UPSTREAMS, type BucketGrid, type ChartStore, type DurationCount, type RecordSpan, type StatusCount, type UpstreamDurationCount, type UpstreamTotal } from '../chart-store.ts';
import { sqliteFilePath } from '../database-url.ts';
import type { RecordFilter } from '../queries/record-filter.ts';
import { addEncodedDense, bucketIsExact, bucketValue, denseCounts, type DenseCounts } from '../rollup/duration-histogram.ts';
import { HOUR_MINUTES, MINUTE_MS } from '../rollup/rollup-accumulator.ts';
import { ROLLUP_UPSTREAM } from '../rollup/rollup-filter.ts';
import { planRead, rollupParts, type Range, type ReadPlan, type RollupPart } from '../rollup/rollup-plan.ts';
import { recordFilterSql } from './record-filter-sql.ts';
import { periodRangeSql, recordRangeSql, rollupFilterSql, rollupGaps } from './sqlite-rollups.ts';

type Num = number | bigint;
type Params = Record<string, string | number>;

/**
 * Who served a record, as the latency page names it (and as the `upstream` filter matches it): the pod, else the
 * Service, else the IP or host Envoy logged. An empty name counts as none, as it does in the rollups.
 */
const UPSTREAM = `COALESCE(NULLIF(r."upstreamPod", ''), NULLIF(r."upstreamService", ''), NULLIF(r."upstreamIp", ''), NULLIF(r."upstreamHost", ''))`;

/** Null when the file does not exist or is not migrated yet (no records to chart). */
export function openSqliteChartStore(databaseUrl: string, options: { rollups?: boolean } = {}): SqliteChartStore | null {
  const file = sqliteFilePath(databaseUrl);
  if (!existsSync(file)) return null;
  const db = new Database(file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'AccessRecord'`).get();
  if (!table) {
    db.close();
    return null;
  }
  return new SqliteChartStore(db, options);
}

/** A query answered partly from rollups: the plan and the filter over rollup rows. */
interface Hybrid {
  plan: ReadPlan;
  where: NonNullable<ReturnType<typeof rollupFilterSql>>;
}

export class SqliteChartStore implements ChartStore {
  /** `rollups: false` reads every answer from the records (tests compare the two). */
  constructor(private readonly db: Database.Database, private readonly options: { rollups?: boolean } = {}) {}

  close(): void {
    this.db.close();
  }

  async recordSpan(filter: RecordFilter): Promise<RecordSpan | null> {
    return this.snapshot(() => {
      const h = this.hybrid(filter, null);
      if (!h) {
        const { from, params } = this.fromWhere(filter);
        const row = this.db.prepare(`SELECT MIN(r."startTime") AS "first", MAX(r."startTime") AS "last", COUNT(*) AS "n" ${from}`).get(params) as { first: Num | null; last: Num | null; n: Num };
        return row.first === null || row.last === null ? null : { firstMs: Number(row.first), lastMs: Number(row.last), records: Number(row.n) };
      }
      let records = 0;
      for (const range of h.plan.raw) {
        const { from, params } = this.fromWhere(filter, [], range);
        records += Number((this.db.prepare(`SELECT COUNT(*) AS "n" ${from}`).get(params) as { n: Num }).n);
      }
      for (const part of rollupParts(h.plan)) {
        const { from, params } = this.rollupFromWhere(h, part);
        records += Number((this.db.prepare(`SELECT COALESCE(SUM(u."records"), 0) AS "n" ${from}`).get(params) as { n: Num }).n);
      }
      if (records === 0) return null;
      // The first and last record: the earliest (latest) part holding one, narrowed from an hour to a minute to the
      // record itself. A period whose records retention pruned answers with its own start (end).
      const parts = [
        ...h.plan.raw.map((range) => ({ fromMs: range[0], part: null as RollupPart | null, range })),
        ...rollupParts(h.plan).map((part) => ({ fromMs: part.range[0] * MINUTE_MS, part, range: part.range })),
      ].sort((a, b) => a.fromMs - b.fromMs);
      const edge = (dir: 'first' | 'last'): number | null => {
        for (const p of dir === 'first' ? parts : [...parts].reverse()) {
          const t = p.part ? this.periodEdge(filter, h, p.part, dir) : this.recordEdge(filter, p.range, dir);
          if (t !== null) return t;
        }
        return null;
      };
      const firstMs = edge('first');
      const lastMs = edge('last');
      return firstMs === null || lastMs === null ? null : { firstMs, lastMs, records };
    });
  }

  async statusCounts(filter: RecordFilter, grid: BucketGrid): Promise<StatusCount[]> {
    const g = gridParams(grid);
    return this.snapshot(() => {
      const raw = (range: Range | null) => {
        const { from, params } = this.fromWhere(filter, [], range);
        const rows = this.db
          .prepare(`SELECT ${bucketSql} AS "bucket", r."status" AS "status", r."responseFlags" AS "responseFlags", COUNT(*) AS "count" ${from}
            GROUP BY "bucket", r."status", r."responseFlags" ORDER BY "bucket"`)
          .all({ ...params, ...g }) as { bucket: Num; status: Num | null; responseFlags: string | null; count: Num }[];
        return rows.map((r) => ({ bucket: Number(r.bucket), status: r.status === null ? null : Number(r.status), responseFlags: r.responseFlags, count: Number(r.count) }));
      };
      const h = this.hybrid(filter, grid);
      if (!h) return raw(null);
      const out = new Map<string, StatusCount>();
      const add = (row: StatusCount) => {
        const flags = row.responseFlags === '' ? null : row.responseFlags;
        const key = `${row.bucket}|${row.status}|${flags ?? ''}`;
        const seen = out.get(key);
        if (seen) seen.count += row.count;
        else out.set(key, { ...row, responseFlags: flags });
      };
      for (const range of h.plan.raw) raw(range).forEach(add);
      for (const part of rollupParts(h.plan)) {
        const { from, params } = this.rollupFromWhere(h, part, [`u."periodStart" * 60000 >= CAST(@originMs AS INTEGER)`]);
        const rows = this.db
          .prepare(`SELECT ${rollupBucketSql} AS "bucket", u."status" AS "status", u."responseFlags" AS "responseFlags", SUM(u."records") AS "count" ${from}
            GROUP BY "bucket", u."status", u."responseFlags"`)
          .all({ ...params, ...g }) as { bucket: Num; status: Num; responseFlags: string; count: Num }[];
        for (const r of rows) add({ bucket: Number(r.bucket), status: Number(r.status) < 0 ? null : Number(r.status), responseFlags: r.responseFlags, count: Number(r.count) });
      }
      return [...out.values()].sort((a, b) => a.bucket - b.bucket);
    });
  }

  async durationCounts(filter: RecordFilter, grid: BucketGrid | null): Promise<DurationCount[]> {
    // Every record under one name: the upstream read, with no upstream listed.
    return (await this.upstreamDurationCounts(filter, grid, [], { others: true })).map(({ upstream: _, ...row }) => row);
  }


  async topUpstreams(filter: RecordFilter, limit: number): Promise<UpstreamTotal[]> {
    const n = Math.max(1, Math.floor(limit));
    return this.snapshot(() => {
      const raw = (range: Range | null, limited: boolean) => {
        const { from, params } = this.fromWhere(filter, [`${UPSTREAM} IS NOT NULL`], range);
        const rows = this.db
          .prepare(`SELECT ${UPSTREAM} AS "upstream", COUNT(*) AS "records", COUNT(r."durationMs") AS "timed" ${from}
            GROUP BY "upstream" ORDER BY "records" DESC, "upstream"${limited ? ' LIMIT @limit' : ''}`)
          .all(limited ? { ...params, limit: n } : params) as { upstream: string; records: Num; timed: Num }[];
        return rows.map((r) => ({ upstream: r.upstream, records: Number(r.records), timed: Number(r.timed) }));
      };
      const h = this.hybrid(filter, null);
      if (!h) return raw(null, true);
      const out = new Map<string, UpstreamTotal>();
      const add = (row: UpstreamTotal) => {
        const seen = out.get(row.upstream);
        if (seen) (seen.records += row.records), (seen.timed += row.timed);
        else out.set(row.upstream, { ...row });
      };
      for (const range of h.plan.raw) raw(range, false).forEach(add);
      for (const part of rollupParts(h.plan)) {
        const { from, params } = this.rollupFromWhere(h, part, [`${ROLLUP_UPSTREAM} IS NOT NULL`]);
        const rows = this.db
          .prepare(`SELECT ${ROLLUP_UPSTREAM} AS "upstream", SUM(u."records") AS "records", SUM(u."timed") AS "timed" ${from} GROUP BY "upstream"`)
          .all(params) as { upstream: string; records: Num; timed: Num }[];
        for (const r of rows) add({ upstream: r.upstream, records: Number(r.records), timed: Number(r.timed) });
      }
      // The records' order: most first, ties by name compared as SQLite does (binary).
      return [...out.values()].sort((a, b) => b.records - a.records || binaryCompare(a.upstream, b.upstream)).slice(0, n);
    });
  }

  async upstreamDurationCounts(filter: RecordFilter, grid: BucketGrid | null, upstreams: readonly string[], o: { others?: boolean } = {}): Promise<UpstreamDurationCount[]> {
    if (upstreams.length === 0 && !o.others) return [];
    const names = Object.fromEntries(upstreams.map((u, i) => [`up${i}`, u]));
    const inNames = Object.keys(names).map((k) => `@${k}`).join(', ') || 'NULL';
    // Which upstream a row counts under: a listed one, else (with `others`) OTHER_UPSTREAMS; without `others` the rest
    // is left out.
    const nameOf = (expr: string) => (o.others ? `CASE WHEN ${expr} IN (${inNames}) THEN ${expr} ELSE '${OTHER_UPSTREAMS}' END` : expr);
    const only = (expr: string) => (o.others ? [] : [`${expr} IN (${inNames})`]);
    const g = grid ? gridParams(grid) : {};
    return this.snapshot(() => {
      const raw = (range: Range | null) => {
        const { from, params } = this.fromWhere(filter, [`r."durationMs" IS NOT NULL`, ...only(UPSTREAM)], range);
        const rows = this.db
          .prepare(`SELECT ${nameOf(UPSTREAM)} AS "upstream", ${grid ? bucketSql : '0'} AS "bucket", r."durationMs" AS "durationMs", COUNT(*) AS "count" ${from}
            GROUP BY "upstream", "bucket", r."durationMs" ORDER BY "upstream", "bucket", r."durationMs"`)
          .all({ ...params, ...names, ...g }) as { upstream: string; bucket: Num; durationMs: Num; count: Num }[];
        return rows.map((r): UpstreamDurationCount => ({ upstream: r.upstream, bucket: Number(r.bucket), durationMs: Number(r.durationMs), count: Number(r.count) }));
      };
      const h = this.hybrid(filter, grid);
      if (!h) return raw(null);
      const rows = h.plan.raw.flatMap(raw);
      const histograms = new Map<string, { upstream: string; bucket: number; counts: DenseCounts }>();
      for (const part of rollupParts(h.plan)) {
        const extra = [`u."timed" > 0`, ...only(ROLLUP_UPSTREAM)];
        if (grid) extra.push(`u."periodStart" * 60000 >= CAST(@originMs AS INTEGER)`);
        const { from, params } = this.rollupFromWhere(h, part, extra);
        const sql = `SELECT ${nameOf(ROLLUP_UPSTREAM)} AS "upstream", ${grid ? rollupBucketSql : '0'} AS "bucket", GROUP_CONCAT(u."histogram", ';') AS "histograms"
          ${from} GROUP BY "upstream", "bucket"`;
        for (const [upstream, bucket, histogram] of this.db.prepare(sql).raw().all({ ...params, ...names, ...g }) as [string, Num, string][]) {
          const key = `${bucket}|${upstream}`;
          let cell = histograms.get(key);
          if (!cell) histograms.set(key, (cell = { upstream, bucket: Number(bucket), counts: denseCounts() }));
          addEncodedDense(cell.counts, histogram);
        }
      }
      for (const cell of histograms.values()) {
        forEachBucket(cell.counts, (durationMs, count, exact) => rows.push(exact ? { upstream: cell.upstream, bucket: cell.bucket, durationMs, count } : { upstream: cell.upstream, bucket: cell.bucket, durationMs, count, approximate: true }));
      }
      // The records' order (upstream as SQLite orders text, bucket, duration), comparing names once each.
      const rank = new Map([...new Set(rows.map((r) => r.upstream))].sort(binaryCompare).map((u, i) => [u, i]));
      return rows.sort((a, b) => rank.get(a.upstream)! - rank.get(b.upstream)! || a.bucket - b.bucket || a.durationMs - b.durationMs);
    });
  }

  /** Runs the reads of one answer in one read transaction: rollups and records seen at the same moment. */
  private snapshot<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** The plan when rollups can answer part of the filter's range (null: read the records). */
  private hybrid(filter: RecordFilter, grid: BucketGrid | null): Hybrid | null {
    if (this.options.rollups === false) return null;
    const where = rollupFilterSql(filter);
    if (!where) return null;
    const gaps = rollupGaps(this.db);
    if (!gaps) return null;
    const plan = planRead(filter.since ?? -Infinity, filter.until ?? Infinity, { grid, uncovered: gaps });
    return plan && { plan, where };
  }

  /** FROM and WHERE for the filter, within `range` when given; the Source table is joined only when the filter names a source. */
  private fromWhere(filter: RecordFilter, extra: string[] = [], range: Range | null = null): { from: string; params: Params } {
    // A range replaces the filter's own bounds by their intersection with it: given both, SQLite walks the startTime
    // index over the wider one.
    const { since, until, ...rest } = filter;
    const { sql, params } = recordFilterSql(range ? rest : filter);
    const join = filter.namespace !== undefined || filter.sourcePod !== undefined ? ` JOIN "Source" s ON s."id" = r."sourceId"` : '';
    const within = range ? recordRangeSql([Math.max(range[0], since ?? -Infinity), Math.min(range[1], until ?? Infinity)]) : { sql: '1 = 1', params: {} };
    return { from: `FROM "AccessRecord" r${join} WHERE r."startTime" IS NOT NULL AND ${[sql, within.sql, ...extra].join(' AND ')}`, params: { ...params, ...within.params } };
  }

  /** FROM and WHERE over one part's rollup rows under the filter. */
  private rollupFromWhere(h: Hybrid, part: RollupPart, extra: string[] = []): { from: string; params: Params } {
    const period = periodRangeSql(part.periodMinutes, part.range);
    const join = h.where.joinSource ? ` JOIN "Source" s ON s."id" = u."sourceId"` : '';
    return { from: `FROM ${period.table} u${join} WHERE ${[period.sql, h.where.sql, ...extra].join(' AND ')}`, params: { ...h.where.params, ...period.params } };
  }

  /** Start time of the first (last) record the filter selects in a range of records; null when none. */
  private recordEdge(filter: RecordFilter, range: Range, dir: 'first' | 'last'): number | null {
    const { from, params } = this.fromWhere(filter, [], range);
    const row = this.db.prepare(`SELECT r."startTime" AS "t" ${from} ORDER BY r."startTime" ${dir === 'first' ? 'ASC' : 'DESC'} LIMIT 1`).get(params) as { t: Num } | undefined;
    return row ? Number(row.t) : null;
  }

  /**
   * The first (last) record of a rollup part: its first (last) period with a row under the filter, narrowed through
   * that hour's minute rows, then read from the records of that minute. When the records are gone (retention keeps
   * rollups longer), the period's own start (last ms).
   */
  private periodEdge(filter: RecordFilter, h: Hybrid, part: RollupPart, dir: 'first' | 'last'): number | null {
    const pick = (p: RollupPart): number | null => {
      const { from, params } = this.rollupFromWhere(h, p);
      const row = this.db.prepare(`SELECT ${dir === 'first' ? 'MIN' : 'MAX'}(u."periodStart") AS "p" ${from}`).get(params) as { p: Num | null };
      return row.p === null ? null : Number(row.p);
    };
    let start = pick(part);
    if (start === null) return null;
    let length: number = part.periodMinutes;
    if (part.periodMinutes === HOUR_MINUTES) {
      const minute = pick({ periodMinutes: 1, range: [start, start + HOUR_MINUTES] });
      if (minute !== null) (start = minute), (length = 1);
    }
    const range: Range = [start * MINUTE_MS, (start + length) * MINUTE_MS];
    return this.recordEdge(filter, range, dir) ?? (dir === 'first' ? range[0] : range[1] - 1);
  }
}

/** Each non-empty bucket of merged counts: the duration it reports, its count, and whether that duration is exact. */
function forEachBucket(counts: DenseCounts, f: (durationMs: number, count: number, exact: boolean) => void): void {
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) f(bucketValue(i), counts[i]!, bucketIsExact(i));
}

/** Strings ordered as SQLite's BINARY collation orders them (by UTF-8 bytes, i.e. code points). */
function binaryCompare(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order differs from code point order only where surrogates meet U+E000–U+FFFF.
  if (!/[\ud800-\uffff]/.test(a + b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

// better-sqlite3 binds JS numbers as REAL: the casts keep the division an integer one.
const bucketSql = `(r."startTime" - CAST(@originMs AS INTEGER)) / CAST(@bucketMs AS INTEGER)`;
const rollupBucketSql = `(u."periodStart" * 60000 - CAST(@originMs AS INTEGER)) / CAST(@bucketMs AS INTEGER)`;

function gridParams(grid: BucketGrid): { originMs: number; bucketMs: number } {
  if (!Number.isInteger(grid.originMs) || !Number.isInteger(grid.bucketMs) || grid.bucketMs <= 0) {
    throw new RangeError(`chart buckets: origin and width must be integers, the width positive (got ${grid.originMs}, ${grid.bucketMs})`);
  }
  return { originMs: grid.originMs, bucketMs: grid.bucketMs };
}
