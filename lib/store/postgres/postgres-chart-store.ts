// PostgreSQL side of the chart queries: the same counts as SqliteChartStore. Start times are timestamps here; the
// filter compares them with constant timestamps (index-friendly), and a bucket is integer division of the record's
// epoch ms, truncating as SQLite's does. Upstream names sort by code point, as SQLite sorts them.
//
// Over longer ranges the whole minutes and hours inside the filter's range are read from the rollups
// (postgres-rollups.ts) and only the partial minutes at its edges, and periods the rollups do not cover, from the
// records (lib/store/rollup/rollup-plan.ts): counts stay exact, durations there come from histogram buckets
// (DurationCount.approximate). The reads of one answer share one snapshot (a read-only REPEATABLE READ transaction).
//
// Stores share one pool per database in the process (pg-sql.ts' sharedPool): the dashboard opens one per request.
import type pg from 'pg';
import { OTHER_UPSTREAMS, type BucketGrid, type ChartStore, type DurationCount, type RecordSpan, type StatusCount, type UpstreamDurationCount, type UpstreamTotal } from '../chart-store.ts';
import type { RecordFilter } from '../queries/record-filter.ts';
import { addEncodedDense, bucketIsExact, bucketValue, denseCounts, type DenseCounts } from '../rollup/duration-histogram.ts';
import { HOUR_MINUTES, HOUR_MS, MINUTE_MS } from '../rollup/rollup-accumulator.ts';
import { ROLLUP_UPSTREAM, rollupsAnswer } from '../rollup/rollup-filter.ts';
import { planRead, rollupParts, type Range, type ReadPlan, type RollupPart } from '../rollup/rollup-plan.ts';
import { C, endSharedPools, inTransaction, msOf, num, numOrNull, pgText, sharedPool, SNAPSHOT_BEGIN } from './pg-sql.ts';
import { recordRangesSql, rollupFilterSql, rollupGaps, rollupRowsSql, SqlParams } from './postgres-rollup-reads.ts';
import { ROLLUP_TABLES_EXIST } from './postgres-rollups.ts';
import { recordFilterSql } from './record-filter-sql.ts';

/**
 * Who served a record, as the latency page names it (and as the `upstream` filter matches it): the pod, else the
 * Service, else the IP or host Envoy logged. An empty name counts as none, as it does in the rollups.
 */
const UPSTREAM = `COALESCE(NULLIF(r."upstreamPod", ''), NULLIF(r."upstreamService", ''), NULLIF(r."upstreamIp", ''), NULLIF(r."upstreamHost", ''))`;

/**
 * Null when the database does not exist or is not migrated yet (no records to chart). `rollups: false` reads every
 * answer from the records (tests compare the two).
 */
export async function openPostgresChartStore(databaseUrl: string, options: { rollups?: boolean } = {}): Promise<PostgresChartStore | null> {
  const pool = sharedPool(databaseUrl);
  try {
    const { rows } = await pool.query(
      `SELECT to_regclass('"AccessRecord"') IS NOT NULL AS "records", ${ROLLUP_TABLES_EXIST} AS "rollups"`,
    );
    if (rows[0]?.records) return new PostgresChartStore(pool, { rollups: options.rollups !== false && rows[0].rollups === true });
    return null;
  } catch (err) {
    // 3D000: the database does not exist (yet). Its pool is let go: nothing to share.
    if ((err as { code?: string }).code === '3D000') {
      await endSharedPools(databaseUrl);
      return null;
    }
    throw err;
  }
}

/** A query answered partly from rollups: the plan and the filter. */
interface Hybrid {
  plan: ReadPlan;
  filter: RecordFilter;
}

export class PostgresChartStore implements ChartStore {
  /** `rollups`: whether to read rollups where they can answer (false: the records alone). */
  constructor(private readonly pool: pg.Pool, private readonly options: { rollups: boolean }) {}

  /** The pool is shared with the process's other readers of this database: it stays open (pg-sql.ts' endSharedPools). */
  close(): void {}

  async recordSpan(filter: RecordFilter): Promise<RecordSpan | null> {
    return this.answer(filter, null, async (c, h) => {
      if (!h) {
        const p = new SqlParams();
        const from = recordsFrom(p, filter);
        const { rows } = await c.query(`SELECT ${msOf('MIN(r."startTime")')} AS "first", ${msOf('MAX(r."startTime")')} AS "last", count(*) AS "n" ${from}`, p.values);
        const row = rows[0]!;
        return row.first === null || row.last === null ? null : { firstMs: num(row.first), lastMs: num(row.last), records: num(row.n) };
      }
      const parts = rollupParts(h.plan);
      const p = new SqlParams();
      const counted = await c.query(
        `SELECT (SELECT count(*) ${recordsFrom(p, filter, [], h.plan.raw)}) AS "raw",
           (SELECT COALESCE(SUM(u."records"), 0) ${rollupsFrom(p, h, parts)}) AS "rolled"`,
        p.values,
      );
      const records = num(counted.rows[0].raw) + num(counted.rows[0].rolled);
      if (records === 0) return null;
      // The first and last record: the earliest (latest) part holding one, narrowed from an hour to a minute to the
      // record itself. A period whose records retention pruned answers with its own start (end).
      const ordered = [
        ...h.plan.raw.map((range) => ({ fromMs: range[0], part: null as RollupPart | null, range })),
        ...parts.map((part) => ({ fromMs: part.range[0] * MINUTE_MS, part, range: part.range })),
      ].sort((a, b) => a.fromMs - b.fromMs);
      const edge = async (dir: 'first' | 'last'): Promise<number | null> => {
        for (const x of dir === 'first' ? ordered : [...ordered].reverse()) {
          const t = x.part ? await periodEdge(c, h, x.part, dir) : await recordEdge(c, filter, x.range, dir);
          if (t !== null) return t;
        }
        return null;
      };
      const firstMs = await edge('first');
      const lastMs = await edge('last');
      return firstMs === null || lastMs === null ? null : { firstMs, lastMs, records };
    });
  }

  async statusCounts(filter: RecordFilter, grid: BucketGrid): Promise<StatusCount[]> {
    checkGrid(grid);
    return this.answer(filter, grid, async (c, h) => {
      const p = new SqlParams();
      const raw = `SELECT ${recordBucket(p, grid)} AS "bucket", r."status" AS "status", r."responseFlags" AS "responseFlags", count(*) AS "count"
        ${recordsFrom(p, filter, [], h?.plan.raw)} GROUP BY 1, 2, 3`;
      if (!h) {
        const { rows } = await c.query(`${raw} ORDER BY 1, 2 NULLS FIRST, r."responseFlags" ${C} NULLS FIRST`, p.values);
        return rows.map((r) => ({ bucket: num(r.bucket), status: numOrNull(r.status), responseFlags: r.responseFlags, count: num(r.count) }));
      }
      // The rollups' "no status" is below zero (-1); an empty flags text is none on both sides.
      const rolled = `SELECT ${rollupBucket(p, grid)} AS "bucket", CASE WHEN u."status" < 0 THEN NULL ELSE u."status" END AS "status",
          u."responseFlags" AS "responseFlags", SUM(u."records") AS "count"
        ${rollupsFrom(p, h, rollupParts(h.plan), [`u."periodStart"::int8 * 60000 >= ${p.add(grid.originMs)}::int8`])} GROUP BY 1, 2, 3`;
      const { rows } = await c.query(`${raw} UNION ALL ${rolled}`, p.values);
      // The same bucket, status and flags from both parts add up.
      const out = new Map<string, StatusCount>();
      for (const r of rows) {
        const status = numOrNull(r.status);
        const flags = r.responseFlags === '' ? null : (r.responseFlags as string | null);
        const key = JSON.stringify([num(r.bucket), status, flags]);
        const seen = out.get(key);
        if (seen) seen.count += num(r.count);
        else out.set(key, { bucket: num(r.bucket), status, responseFlags: flags, count: num(r.count) });
      }
      return [...out.values()].sort((a, b) =>
        a.bucket - b.bucket || nullsFirst(a.status, b.status, (x, y) => x - y) || nullsFirst(a.responseFlags, b.responseFlags, codePointCompare));
    });
  }

  async durationCounts(filter: RecordFilter, grid: BucketGrid | null): Promise<DurationCount[]> {
    // Every record under one name: the upstream read, with no upstream listed.
    return (await this.upstreamDurationCounts(filter, grid, [], { others: true })).map(({ upstream: _, ...row }) => row);
  }


  async topUpstreams(filter: RecordFilter, limit: number): Promise<UpstreamTotal[]> {
    const n = Math.max(1, Math.floor(limit));
    return this.answer(filter, null, async (c, h) => {
      const p = new SqlParams();
      const from = recordsFrom(p, filter, [`${UPSTREAM} IS NOT NULL`], h?.plan.raw);
      if (!h) {
        const { rows } = await c.query(
          `SELECT ${UPSTREAM} AS "upstream", count(*) AS "records", count(r."durationMs") AS "timed" ${from}
           GROUP BY 1 ORDER BY "records" DESC, ${UPSTREAM} ${C} LIMIT ${p.add(n)}`,
          p.values,
        );
        return rows.map((r) => ({ upstream: r.upstream, records: num(r.records), timed: num(r.timed) }));
      }
      const { rows } = await c.query(
        `SELECT ${UPSTREAM} AS "upstream", count(*) AS "records", count(r."durationMs") AS "timed" ${from} GROUP BY 1
         UNION ALL
         SELECT ${ROLLUP_UPSTREAM}, SUM(u."records"), SUM(u."timed") ${rollupsFrom(p, h, rollupParts(h.plan), [`${ROLLUP_UPSTREAM} IS NOT NULL`])} GROUP BY 1`,
        p.values,
      );
      const out = new Map<string, UpstreamTotal>();
      for (const r of rows) {
        const seen = out.get(r.upstream);
        if (seen) (seen.records += num(r.records)), (seen.timed += num(r.timed));
        else out.set(r.upstream, { upstream: r.upstream, records: num(r.records), timed: num(r.timed) });
      }
      // The records' order: most first, ties by name by code point.
      return [...out.values()].sort((a, b) => b.records - a.records || codePointCompare(a.upstream, b.upstream)).slice(0, n);
    });
  }

  async upstreamDurationCounts(filter: RecordFilter, grid: BucketGrid | null, upstreams: readonly string[], o: { others?: boolean } = {}): Promise<UpstreamDurationCount[]> {
    if (upstreams.length === 0 && !o.others) return [];
    if (grid) checkGrid(grid);
    const names = upstreams.map((u) => pgText(u));
    // Which upstream a row counts under: a listed one, else (with `others`) OTHER_UPSTREAMS; without `others` the rest
    // is left out.
    const nameOf = (expr: string, list: string) => (o.others ? `CASE WHEN ${expr} = ANY(${list}::text[]) THEN ${expr} ELSE '${OTHER_UPSTREAMS}' END` : expr);
    const only = (expr: string, list: string) => (o.others ? [] : [`${expr} = ANY(${list}::text[])`]);
    return this.answer(filter, grid, async (c, h) => {
      const p = new SqlParams();
      const list = p.add(names);
      const from = recordsFrom(p, filter, [`r."durationMs" IS NOT NULL`, ...only(UPSTREAM, list)], h?.plan.raw);
      const bucket = grid ? recordBucket(p, grid) : '0';
      const { rows: raw } = await c.query(
        `SELECT ${nameOf(UPSTREAM, list)} AS "upstream", ${bucket} AS "bucket", r."durationMs" AS "durationMs", count(*) AS "count" ${from}
         GROUP BY 1, 2, 3 ORDER BY ${nameOf(UPSTREAM, list)} ${C}, 2, 3`,
        p.values,
      );
      const rows = raw.map((r): UpstreamDurationCount => ({ upstream: r.upstream, bucket: num(r.bucket), durationMs: num(r.durationMs), count: num(r.count) }));
      if (!h) return rows;
      const q = new SqlParams();
      const qList = q.add(names);
      const extra = [`u."timed" > 0`, ...only(ROLLUP_UPSTREAM, qList)];
      if (grid) extra.push(`u."periodStart"::int8 * 60000 >= ${q.add(grid.originMs)}::int8`);
      // Names grouped by bytes (COLLATE "C": the same groups, cheaper comparisons in the sort).
      const sql = `SELECT (${nameOf(ROLLUP_UPSTREAM, qList)}) ${C} AS "upstream", ${grid ? rollupBucket(q, grid) : '0'} AS "bucket", string_agg(u."histogram", ';') AS "histograms"
        ${rollupsFrom(q, h, rollupParts(h.plan), extra)} GROUP BY 1, 2`;
      // Rows of the records (the edges, in the order below) and of the histograms, merged per upstream and bucket.
      const cells = new Map<string, Cell<UpstreamDurationCount> & { upstream: string; bucket: number }>();
      const cell = (upstream: string, bucket: number) => {
        const key = `${bucket}|${upstream}`;
        let x = cells.get(key);
        if (!x) cells.set(key, (x = { upstream, bucket, raw: [], counts: denseCounts() }));
        return x;
      };
      for (const r of rows) cell(r.upstream, r.bucket).raw.push(r);
      for (const [upstream, b, histogram] of (await c.query<[string, string, string]>({ text: sql, values: q.values, rowMode: 'array' })).rows) {
        addEncodedDense(cell(upstream, num(b)).counts, histogram);
      }
      // The records' order (upstream by code point, bucket, duration), comparing names once each.
      const rank = new Map([...new Set([...cells.values()].map((x) => x.upstream))].sort(codePointCompare).map((u, i) => [u, i]));
      const out: UpstreamDurationCount[] = [];
      for (const x of [...cells.values()].sort((a, b) => rank.get(a.upstream)! - rank.get(b.upstream)! || a.bucket - b.bucket)) {
        emitCell(x, out, (durationMs, count, exact) => (exact
          ? { upstream: x.upstream, bucket: x.bucket, durationMs, count }
          : { upstream: x.upstream, bucket: x.bucket, durationMs, count, approximate: true }));
      }
      return out;
    });
  }

  /**
   * Runs the reads of one answer: on the pool when the records alone answer it; in one read-only snapshot when rollups
   * answer part of it (the rollups' coverage, the rollups and the records seen at the same moment).
   */
  private async answer<T>(filter: RecordFilter, grid: BucketGrid | null, fn: (c: pg.Pool | pg.PoolClient, h: Hybrid | null) => Promise<T>): Promise<T> {
    // Whether a plan is possible at all (long enough, a grid of whole minutes, a filter rollups keep) needs no query.
    if (!this.options.rollups || !rollupsAnswer(filter) || !planRead(filter.since ?? -Infinity, filter.until ?? Infinity, { grid, uncovered: [] })) {
      return fn(this.pool, null);
    }
    return inTransaction(this.pool, async (client) => {
      const gaps = await rollupGaps(client);
      const plan = gaps && planRead(filter.since ?? -Infinity, filter.until ?? Infinity, { grid, uncovered: gaps });
      // Rollups and a few minutes of records are small reads: starting parallel workers for them costs more (30–40 ms
      // on the bench machine) than they save. A plan with long stretches of records keeps the server's choice.
      if (plan && plan.raw.reduce((ms, r) => ms + (r[1] - r[0]), 0) <= SERIAL_RAW_MS) await client.query('SET LOCAL max_parallel_workers_per_gather = 0');
      return fn(client, plan ? { plan, filter } : null);
    }, SNAPSHOT_BEGIN);
  }
}

/** Records read beside the rollups, at most this long a stretch in all, are read without parallel workers. */
const SERIAL_RAW_MS = 2 * HOUR_MS;

function checkGrid(grid: BucketGrid): void {
  if (!Number.isInteger(grid.originMs) || !Number.isInteger(grid.bucketMs) || grid.bucketMs <= 0) {
    throw new RangeError(`chart buckets: origin and width must be integers, the width positive (got ${grid.originMs}, ${grid.bucketMs})`);
  }
}

/** The bucket of a record on the grid. */
const recordBucket = (p: SqlParams, grid: BucketGrid) => `(${msOf('r."startTime"')} - ${p.add(grid.originMs)}::int8) / ${p.add(grid.bucketMs)}::int8`;

/** The bucket of a rollup row on the grid (int8: epoch minutes × 60,000 overflow an int4). */
const rollupBucket = (p: SqlParams, grid: BucketGrid) => `(u."periodStart"::int8 * 60000 - ${p.add(grid.originMs)}::int8) / ${p.add(grid.bucketMs)}::int8`;

/**
 * FROM and WHERE over the records under the filter, within `ranges` when given (intersected with the filter's own
 * bounds; none left selects nothing); the Source table is joined only when the filter names a source.
 */
function recordsFrom(p: SqlParams, filter: RecordFilter, extra: string[] = [], ranges?: readonly Range[]): string {
  const { since, until, ...rest } = filter;
  const base = recordFilterSql(ranges ? rest : filter, p.values.length + 1);
  p.values.push(...base.params);
  const conditions = [`r."startTime" IS NOT NULL`, base.sql];
  if (ranges) {
    const within = ranges.map((r): Range => [Math.max(r[0], since ?? -Infinity), Math.min(r[1], until ?? Infinity)]);
    conditions.push(recordRangesSql(within, p));
  }
  const join = filter.namespace !== undefined || filter.sourcePod !== undefined ? ` JOIN "Source" s ON s."id" = r."sourceId"` : '';
  return `FROM "AccessRecord" r${join} WHERE ${[...conditions, ...extra].join(' AND ')}`;
}

/** FROM and WHERE over the rollup rows of the parts under the filter. */
function rollupsFrom(p: SqlParams, h: Hybrid, parts: readonly RollupPart[], extra: string[] = []): string {
  const where = rollupFilterSql(h.filter, p)!;
  const join = where.joinSource ? ` JOIN "Source" s ON s."id" = u."sourceId"` : '';
  return `FROM ${rollupRowsSql(parts, p)}${join} WHERE ${[where.sql, ...extra].join(' AND ')}`;
}

/** Start time of the first (last) record the filter selects in a range of records; null when none. */
async function recordEdge(c: pg.PoolClient | pg.Pool, filter: RecordFilter, range: Range, dir: 'first' | 'last'): Promise<number | null> {
  const p = new SqlParams();
  const { rows } = await c.query(
    `SELECT ${msOf('r."startTime"')} AS "t" ${recordsFrom(p, filter, [], [range])} ORDER BY r."startTime" ${dir === 'first' ? 'ASC' : 'DESC'} LIMIT 1`,
    p.values,
  );
  return rows[0] ? num(rows[0].t) : null;
}

/**
 * The first (last) record of a rollup part: its first (last) period with a row under the filter, narrowed through that
 * hour's minute rows, then read from the records of that minute. When the records are gone (retention keeps rollups
 * longer), the period's own start (last ms).
 */
async function periodEdge(c: pg.PoolClient | pg.Pool, h: Hybrid, part: RollupPart, dir: 'first' | 'last'): Promise<number | null> {
  const pick = async (x: RollupPart): Promise<number | null> => {
    const p = new SqlParams();
    const { rows } = await c.query(`SELECT ${dir === 'first' ? 'MIN' : 'MAX'}(u."periodStart") AS "p" ${rollupsFrom(p, h, [x])}`, p.values);
    return rows[0].p === null ? null : (rows[0].p as number);
  };
  let start = await pick(part);
  if (start === null) return null;
  let length: number = part.periodMinutes;
  if (part.periodMinutes === HOUR_MINUTES) {
    const minute = await pick({ periodMinutes: 1, range: [start, start + HOUR_MINUTES] });
    if (minute !== null) (start = minute), (length = 1);
  }
  const range: Range = [start * MINUTE_MS, (start + length) * MINUTE_MS];
  return (await recordEdge(c, h.filter, range, dir)) ?? (dir === 'first' ? range[0] : range[1] - 1);
}

/** bucketValue of each histogram bucket index, worked out once. */
const values: number[] = [];

/** The rows of one chart bucket (and upstream): exact ones from the records, by duration, and the rollups' histogram. */
interface Cell<T extends DurationCount> {
  raw: T[];
  counts: DenseCounts;
}

/**
 * Appends a cell's rows by duration: its records' rows merged with its histogram's non-empty buckets, each made by
 * `row(value, count, exact)` (a bucket below HISTOGRAM_EXACT_BELOW holds one duration: exact). At equal durations the
 * records' row comes first.
 */
function emitCell<T extends DurationCount>(x: Cell<T>, out: T[], row: (durationMs: number, count: number, exact: boolean) => T): void {
  let k = 0;
  const { raw, counts } = x;
  while (values.length < counts.length) values.push(bucketValue(values.length));
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count === 0) continue;
    const durationMs = values[i]!;
    while (k < raw.length && raw[k]!.durationMs <= durationMs) out.push(raw[k++]!);
    out.push(row(durationMs, count, bucketIsExact(i)));
  }
  while (k < raw.length) out.push(raw[k++]!);
}

/** Strings ordered by code point (as COLLATE "C" and SQLite order them). */
export function codePointCompare(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order differs from code point order only where surrogates meet U+E000–U+FFFF.
  if (!/[\ud800-\uffff]/.test(a + b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function nullsFirst<T>(a: T | null, b: T | null, compare: (x: T, y: T) => number): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return compare(a, b);
}
