// The dashboard's record filter as a PostgreSQL WHERE clause over `"AccessRecord" r JOIN "Source" s`, with numbered
// parameters (never text pasted into SQL). The same selection as ../sqlite/record-filter-sql.ts: start times compared
// with constant timestamps (the column is never wrapped, so its index serves the range), "no response" as a status
// of none or below 100, and a path prefix as a range compared by code point (COLLATE "C", SQLite's order): exact
// whatever the database's collation, and served by an index on ("path" COLLATE "C") where one exists.
import type { RecordFilter } from '../queries/record-filter.ts';
import { boundMs, C, pgText, tsOf } from './pg-sql.ts';

/** Above every string that starts with a given prefix, by code point. */
const AFTER_PREFIX = '\u{10FFFF}';

/** `firstParam`: the number of the first parameter this clause may use ($1 by default). */
export function recordFilterSql(f: RecordFilter, firstParam = 1): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => `$${firstParam - 1 + params.push(value)}`;
  if (f.since !== undefined) parts.push(`r."startTime" >= ${tsOf(p(boundMs(f.since)))}`);
  if (f.until !== undefined) parts.push(`r."startTime" < ${tsOf(p(boundMs(f.until)))}`);
  if (f.requestId !== undefined) parts.push(`r."requestId" = ${p(pgText(f.requestId))}::text`);
  if (f.namespace !== undefined) parts.push(`s."namespace" = ${p(pgText(f.namespace))}::text`);
  if (f.sourcePod !== undefined) parts.push(`s."pod" = ${p(pgText(f.sourcePod))}::text`);
  if (f.cluster !== undefined) parts.push(`r."upstreamCluster" = ${p(pgText(f.cluster))}::text`);
  if (f.upstream !== undefined) {
    const u = `${p(pgText(f.upstream))}::text`;
    parts.push(`(r."upstreamPod" = ${u} OR r."upstreamService" = ${u} OR r."upstreamIp" = ${u} OR r."upstreamHost" = ${u})`);
  }
  if (f.statusClass === 0) parts.push(`(r."status" IS NULL OR r."status" < 100)`);
  else if (f.statusClass !== undefined) {
    // Whole numbers as int8 (compared with the int4 column as they are); anything else as numeric, never an error.
    const type = Number.isSafeInteger(f.statusClass * 100) ? 'int8' : 'numeric';
    parts.push(`r."status" >= ${p(f.statusClass * 100)}::${type} AND r."status" < ${p(f.statusClass * 100 + 100)}::${type}`);
  }
  if (f.pathPrefix !== undefined) {
    const prefix = pgText(f.pathPrefix)!;
    parts.push(`r."path" ${C} >= ${p(prefix)}::text AND r."path" ${C} < ${p(`${prefix}${AFTER_PREFIX}`)}::text`);
  }
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', params };
}
