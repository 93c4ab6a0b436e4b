// What the PostgreSQL chart and analysis stores share to read the rollups (postgres-rollups.ts writes them): what
// they cover, the dashboard filter over their rows, both tables' rows of a read plan as one relation, and record
// ranges for the edges read from AccessRecord.
import type { RecordFilter } from '../queries/record-filter.ts';
import { HOUR_MINUTES, MINUTE_MS } from '../rollup/rollup-accumulator.ts';
import { rollupsAnswer } from '../rollup/rollup-filter.ts';
import { rollupTable, type Range, type RollupPart } from '../rollup/rollup-plan.ts';
import { boundMs, msOf, num, pgText, tsOf } from './pg-sql.ts';
import { ROLLUP_COLUMNS, type Queryable } from './postgres-rollups.ts';

/** Numbered parameters of one statement: `add` pushes a value and answers its placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    return `$${this.values.push(value)}`;
  }
}

/**
 * Epoch-ms ranges the rollups may miss records of, for readers to take from the records: the span of records stored
 * before rollups existed (until rebuilt), and of records stored since the last ingest transaction by something that
 * keeps no rollups. Null when there is no state row (read the records). The tables must exist.
 */
export async function rollupGaps(q: Queryable): Promise<Range[] | null> {
  const { rows } = await q.query(
    `SELECT s."rolledThroughId", s."uncoveredFrom", s."uncoveredTo", (SELECT MAX("id") FROM "AccessRecord") AS "max"
     FROM "RollupState" s WHERE s."id" = 1`,
  );
  const state = rows[0];
  if (!state) return null;
  const gaps: Range[] = [];
  if (state.uncoveredTo !== null) {
    gaps.push([state.uncoveredFrom === null ? -Infinity : state.uncoveredFrom * MINUTE_MS, state.uncoveredTo * MINUTE_MS]);
  }
  if ((state.max ?? 0) > state.rolledThroughId) {
    // Only the records above the watermark: a range of the primary key, given as a value the planner sees (in one
    // statement with the state, MIN("startTime") was planned as a walk of the startTime index past every record), and
    // with count(*), which keeps it a plain aggregate over that range.
    const span = await q.query(
      `SELECT ${msOf('MIN("startTime")')} AS "lo", ${msOf('MAX("startTime")')} AS "hi", count(*) AS "n" FROM "AccessRecord" WHERE "id" > $1::int4`,
      [state.rolledThroughId],
    );
    const { lo, hi } = span.rows[0];
    if (lo !== null && hi !== null) gaps.push([num(lo), num(hi) + 1]);
  }
  return gaps;
}

/**
 * The dashboard's filter over rollup rows `u` (joined to `"Source" s` when `joinSource`), without its time range;
 * null when rollups cannot answer it.
 */
export function rollupFilterSql(f: RecordFilter, p: SqlParams): { sql: string; joinSource: boolean } | null {
  if (!rollupsAnswer(f)) return null;
  const parts: string[] = [];
  if (f.namespace !== undefined) parts.push(`s."namespace" = ${p.add(pgText(f.namespace))}::text`);
  if (f.sourcePod !== undefined) parts.push(`s."pod" = ${p.add(pgText(f.sourcePod))}::text`);
  if (f.cluster !== undefined) parts.push(`u."cluster" = ${p.add(pgText(f.cluster))}::text`);
  if (f.upstream !== undefined) {
    const u = `${p.add(pgText(f.upstream))}::text`;
    parts.push(`(u."upstreamPod" = ${u} OR u."upstreamService" = ${u} OR u."upstreamIp" = ${u} OR u."upstreamHost" = ${u})`);
  }
  // No response: status 0 or none logged (-1 here), as in the records' filter.
  if (f.statusClass === 0) parts.push(`u."status" < 100`);
  else if (f.statusClass !== undefined) parts.push(`u."status" >= ${f.statusClass * 100} AND u."status" < ${f.statusClass * 100 + 100}`);
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', joinSource: f.namespace !== undefined || f.sourcePod !== undefined };
}

/** An epoch-minute bound as an int8 parameter: beyond an int4 either way it selects what the int4 column's end does. */
const minuteBound = (v: number) => Math.min(2 ** 31, Math.max(-(2 ** 31) - 1, v));

/** The rollup columns readers see (every column but the id, the same in both tables). */
const ROW_COLUMNS = ROLLUP_COLUMNS.map((c) => `"${c}"`).join(', ');

/**
 * The rows of the parts as a FROM item `u`: each table's rows in its ranges (the unique index, which leads with
 * periodMinutes and periodStart, serves each range), the two tables' as UNION ALL when both are read. A condition on
 * `u` outside is applied inside each arm by the planner.
 */
export function rollupRowsSql(parts: readonly RollupPart[], p: SqlParams): string {
  const arms = [1, HOUR_MINUTES].flatMap((minutes) => {
    const ranges = parts.filter((x) => x.periodMinutes === minutes).map(({ range }) => {
      const c = [`"periodMinutes" = ${minutes}`];
      if (Number.isFinite(range[0])) c.push(`"periodStart" >= ${p.add(minuteBound(range[0]))}::int8`);
      if (Number.isFinite(range[1])) c.push(`"periodStart" < ${p.add(minuteBound(range[1]))}::int8`);
      return `(${c.join(' AND ')})`;
    });
    return ranges.length ? [`SELECT ${ROW_COLUMNS} FROM ${rollupTable(minutes)} WHERE ${ranges.join(' OR ')}`] : [];
  });
  return `(${arms.length ? arms.join(' UNION ALL ') : `SELECT ${ROW_COLUMNS} FROM ${rollupTable(1)} WHERE FALSE`}) u`;
}

/** Records inside any of the ranges of epoch ms (an infinite end left open); FALSE for none. */
export function recordRangesSql(ranges: readonly Range[], p: SqlParams, column = 'r."startTime"'): string {
  const arms = ranges.filter((r) => r[0] < r[1]).map((r) => {
    const c: string[] = [];
    if (Number.isFinite(r[0])) c.push(`${column} >= ${tsOf(p.add(boundMs(r[0])))}`);
    if (Number.isFinite(r[1])) c.push(`${column} < ${tsOf(p.add(boundMs(r[1])))}`);
    return c.length ? `(${c.join(' AND ')})` : 'TRUE';
  });
  if (arms.length === 0) return 'FALSE';
  return arms.length === 1 ? arms[0]! : `(${arms.join(' OR ')})`;
}
