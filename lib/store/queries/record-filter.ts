// Which records a page, an export or a chart looks at: a time range and the dashboard's filters. One type, turned into
// a Prisma `where` here and into SQL for the aggregating queries (lib/store/sqlite/record-filter-sql.ts,
// lib/store/postgres/record-filter-sql.ts).
import type { AccessRecordWhereInput } from '../../generated/prisma/models.ts';

export interface RecordFilter {
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  requestId?: string;
  /** The namespace of the pod whose Envoy wrote the record. */
  namespace?: string;
  /** The pod whose Envoy wrote the record. */
  sourcePod?: string;
  /** %UPSTREAM_CLUSTER% */
  cluster?: string;
  /** The upstream: a pod name, a Service name, or an IP. */
  upstream?: string;
  /** 1..5: 1xx..5xx; 0: no response (status 0 or none logged). */
  statusClass?: number;
  /** Paths starting with this, compared exactly (no wildcards). */
  pathPrefix?: string;
}

/** Strings starting with `prefix`, as a range: exact where text compares by code point, as SQLite's does and a
 * PostgreSQL database's does under C collation (Prisma's `startsWith` is LIKE with the value unescaped: % and _ are
 * wildcards, SQLite's LIKE ignores case, PostgreSQL's takes \ as an escape). */
export const prefixRange = (prefix: string) => ({ gte: prefix, lt: `${prefix}\u{10FFFF}` });

export function recordWhere(filter: RecordFilter): AccessRecordWhereInput {
  const where: AccessRecordWhereInput = {};
  const and: AccessRecordWhereInput[] = [];
  if (filter.since !== undefined || filter.until !== undefined) {
    // Rounded up to a whole millisecond, which selects what comparing the stored integer ms with the bound does (a Date
    // would truncate: `until: 3000.5` must keep the record at 3000).
    where.startTime = {
      ...(filter.since !== undefined ? { gte: new Date(Math.ceil(filter.since)) } : {}),
      ...(filter.until !== undefined ? { lt: new Date(Math.ceil(filter.until)) } : {}),
    };
  }
  if (filter.requestId !== undefined) where.requestId = filter.requestId;
  if (filter.namespace !== undefined || filter.sourcePod !== undefined) {
    where.source = { ...(filter.namespace !== undefined ? { namespace: filter.namespace } : {}), ...(filter.sourcePod !== undefined ? { pod: filter.sourcePod } : {}) };
  }
  if (filter.cluster !== undefined) where.upstreamCluster = filter.cluster;
  if (filter.upstream !== undefined) {
    and.push({ OR: [{ upstreamPod: filter.upstream }, { upstreamService: filter.upstream }, { upstreamIp: filter.upstream }, { upstreamHost: filter.upstream }] });
  }
  if (filter.statusClass !== undefined) {
    // No response: Envoy logs 0 (a downstream that went away, a TCP proxy line) or nothing at all.
    if (filter.statusClass === 0) and.push({ OR: [{ status: null }, { status: { lt: 100 } }] });
    else where.status = { gte: filter.statusClass * 100, lt: filter.statusClass * 100 + 100 };
  }
  if (filter.pathPrefix !== undefined) where.path = prefixRange(filter.pathPrefix);
  if (and.length) where.AND = and;
  return where;
}
