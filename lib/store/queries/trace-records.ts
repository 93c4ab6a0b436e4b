// Reading one request across sidecars: every record that carries a given X-Request-ID, with the pod whose Envoy wrote
// it, and a prefix search over request ids for the trace page's search box. The shape handed out (TraceRecord) is
// what lib/analysis/traces.ts builds a trace from; it lives here because the store must not import the analysis.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { EndpointKind } from '../ingest-store.ts';
import { prefixRange } from './record-filter.ts';

/** One access record of a request, as a trace reads it. Times are epoch ms; nulls where the format lacks a field. */
export interface TraceRecord {
  id: number;
  requestId: string;
  startTimeMs: number | null;
  /** Sub-millisecond part of the start time in nanoseconds (0..999999), when the format logs it. */
  startTimeNanos?: number | null;
  durationMs: number | null;
  upstreamServiceTimeMs: number | null;
  method: string | null;
  path: string | null;
  status: number | null;
  responseFlags: string | null;
  /** The pod and container whose Envoy wrote the line (all null for an imported file not tied to a pod). */
  source: { namespace: string | null; pod: string | null; container: string | null };
  upstreamHost: string | null;
  upstreamCluster: string | null;
  upstreamKind: EndpointKind | null;
  upstreamNamespace: string | null;
  upstreamPod: string | null;
  upstreamService: string | null;
  downstreamRemoteIp: string | null;
  downstreamNamespace?: string | null;
  downstreamPod: string | null;
}

/** A request id found by prefix, with how many records carry it and when they start and end. */
export interface RequestIdMatch {
  requestId: string;
  /** Records with this id (one per sidecar the request passed, more with retries). */
  hops: number;
  /** Epoch ms of the earliest and latest record start; null when no record has a start time. */
  firstMs: number | null;
  lastMs: number | null;
}

export const TRACE_LIMIT_MIN = 1;
export const TRACE_LIMIT_MAX = 500;
export const TRACE_LIMIT_DEFAULT = 200;

/** A requested limit as an integer within TRACE_LIMIT_MIN..TRACE_LIMIT_MAX (the default when it is not a number). */
export function clampTraceLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return TRACE_LIMIT_DEFAULT;
  return Math.min(TRACE_LIMIT_MAX, Math.max(TRACE_LIMIT_MIN, Math.floor(limit)));
}

const KINDS: readonly EndpointKind[] = ['pod', 'service', 'external', 'unknown'];
const kindOf = (value: string | null): EndpointKind | null => (KINDS.includes(value as EndpointKind) ? (value as EndpointKind) : null);

const traceFields = {
  id: true,
  requestId: true,
  startTime: true,
  startTimeNanos: true,
  durationMs: true,
  upstreamServiceTimeMs: true,
  method: true,
  path: true,
  status: true,
  responseFlags: true,
  upstreamHost: true,
  upstreamCluster: true,
  upstreamKind: true,
  upstreamNamespace: true,
  upstreamPod: true,
  upstreamService: true,
  downstreamRemoteIp: true,
  downstreamNamespace: true,
  downstreamPod: true,
  source: { select: { namespace: true, pod: true, container: true } },
} as const;

/**
 * Every record whose X-Request-ID is exactly `requestId` (compared as stored, case and all), oldest first (records
 * without a start time first, as SQLite sorts NULL; PostgreSQL is told so), at most `limit` (clamped to 1..500). The
 * id is passed to the database as a parameter, never spliced into SQL.
 */
export async function traceRecords(prisma: PrismaClient, requestId: string, limit?: number): Promise<TraceRecord[]> {
  if (typeof requestId !== 'string' || requestId.length === 0) throw new RangeError('a request id is required');
  const rows = await prisma.accessRecord.findMany({
    where: { requestId },
    orderBy: [{ startTime: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }],
    take: clampTraceLimit(limit),
    select: traceFields,
  });
  return rows.map((row) => ({
    id: row.id,
    requestId: row.requestId ?? requestId,
    startTimeMs: row.startTime ? row.startTime.getTime() : null,
    startTimeNanos: row.startTimeNanos,
    durationMs: row.durationMs,
    upstreamServiceTimeMs: row.upstreamServiceTimeMs,
    method: row.method,
    path: row.path,
    status: row.status,
    responseFlags: row.responseFlags,
    source: { namespace: row.source.namespace, pod: row.source.pod, container: row.source.container },
    upstreamHost: row.upstreamHost,
    upstreamCluster: row.upstreamCluster,
    upstreamKind: kindOf(row.upstreamKind),
    upstreamNamespace: row.upstreamNamespace,
    upstreamPod: row.upstreamPod,
    upstreamService: row.upstreamService,
    downstreamRemoteIp: row.downstreamRemoteIp,
    downstreamNamespace: row.downstreamNamespace,
    downstreamPod: row.downstreamPod,
  }));
}

/**
 * Distinct request ids that start with `prefix`, newest first (by their latest record), then ids none of whose records
 * has a start time; ties by id. At most `limit` (clamped to 1..500). An empty prefix is refused: it would list every id.
 *
 * The prefix is a range, `prefix <= id < prefix + U+10FFFF` (see prefixRange), compared by code point on SQLite and on
 * a PostgreSQL database with C collation: `%`, `_` and `\` are plain characters, case counts, and the requestId index
 * serves it. (Prisma's `startsWith` is no help: it becomes LIKE without escaping the value, case-insensitive on SQLite,
 * with `\` as an escape character on PostgreSQL.) The undated ids are asked for apart because the two databases place
 * NULL at opposite ends of a descending order and Prisma cannot say where for an aggregate.
 */
export async function searchRequestIds(prisma: PrismaClient, prefix: string, limit?: number): Promise<RequestIdMatch[]> {
  if (typeof prefix !== 'string' || prefix.length === 0) throw new RangeError('a request id prefix is required');
  const take = clampTraceLimit(limit);
  const search = (dated: boolean, count: number) => prisma.accessRecord.groupBy({
    by: ['requestId'],
    where: { requestId: prefixRange(prefix) },
    having: { startTime: { _max: dated ? { not: null } : { equals: null } } },
    _count: { _all: true },
    _min: { startTime: true },
    _max: { startTime: true },
    orderBy: [{ _max: { startTime: 'desc' } }, { requestId: 'asc' }],
    take: count,
  });
  const groups = await search(true, take);
  if (groups.length < take) groups.push(...(await search(false, take - groups.length)));
  const matches: RequestIdMatch[] = [];
  for (const group of groups) {
    if (group.requestId === null || !group.requestId.startsWith(prefix)) continue; // the range makes this a guard only
    matches.push({
      requestId: group.requestId,
      hops: group._count._all,
      firstMs: group._min.startTime ? group._min.startTime.getTime() : null,
      lastMs: group._max.startTime ? group._max.startTime.getTime() : null,
    });
  }
  return matches;
}
