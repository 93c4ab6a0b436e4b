// The dashboard's filters as they live in the URL (`?range=1h&ns=default&cluster=app_service&status=5xx`), validated
// with a schema: every page and API route reads them here, and links are built back from the same values.
import { z } from 'zod';
import type { RecordFilter } from '../store/queries/record-filter.ts';

export const RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
export type RangeName = keyof typeof RANGES | 'latest' | 'all';

const name = z.string().trim().min(1).max(253);
const instant = z.string().trim().refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO-8601 time like 2025-12-16T10:05:56Z').transform((s) => Date.parse(s));

export const filterSchema = z.object({
  /** A range back from now; `latest`: the hour ending with the newest record (the default); `all`: everything. */
  range: z.enum(['15m', '1h', '6h', '24h', '7d', 'latest', 'all']).default('latest'),
  from: instant.optional(),
  to: instant.optional(),
  ns: name.optional(),
  pod: name.optional(),
  cluster: name.max(512).optional(),
  upstream: name.optional(),
  status: z.enum(['1xx', '2xx', '3xx', '4xx', '5xx', 'none']).optional(),
  path: z.string().max(1024).refine((p) => p.startsWith('/'), 'a path prefix starts with /').optional(),
}).refine((f) => f.from === undefined || f.to === undefined || f.from < f.to, { message: 'from must be before to', path: ['from'] });

export type FilterParams = z.infer<typeof filterSchema>;

export type ParsedFilter = { ok: true; params: FilterParams } | { ok: false; param: string; message: string };

type SearchParams = Record<string, string | string[] | undefined> | URLSearchParams;

/** Reads the filter from a page's searchParams or a request's URLSearchParams; a repeated parameter is an error. */
export function parseFilterParams(search: SearchParams): ParsedFilter {
  const raw: Record<string, string> = {};
  const entries = search instanceof URLSearchParams ? [...search.entries()].map(([k, v]) => [k, v] as const) : Object.entries(search);
  for (const [k, v] of entries) {
    if (!(k in filterSchema.shape)) continue;
    if (Array.isArray(v) || (search instanceof URLSearchParams && search.getAll(k).length > 1)) return { ok: false, param: k, message: 'given more than once' };
    if (typeof v === 'string' && v !== '') raw[k] = v;
  }
  const parsed = filterSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, param: issue.path.join('.') || 'query', message: issue.message };
  }
  return { ok: true, params: parsed.data };
}

/**
 * The record filter for these params. `latestMs` is the newest record's start (for the default range); `now` the
 * clock. A custom from/to wins over the range.
 */
export function recordFilterOf(p: FilterParams, latestMs: number | null, now = Date.now()): RecordFilter & { since?: number; until?: number } {
  const f: RecordFilter = {};
  if (p.from !== undefined || p.to !== undefined) {
    if (p.from !== undefined) f.since = p.from;
    if (p.to !== undefined) f.until = p.to;
  } else if (p.range === 'latest') {
    if (latestMs !== null) Object.assign(f, { since: latestMs + 1 - RANGES['1h'], until: latestMs + 1 });
  } else if (p.range !== 'all') {
    Object.assign(f, { since: now - RANGES[p.range], until: now + 60_000 });
  }
  if (p.ns) f.namespace = p.ns;
  if (p.pod) f.sourcePod = p.pod;
  if (p.cluster) f.cluster = p.cluster;
  if (p.upstream) f.upstream = p.upstream;
  if (p.status) f.statusClass = p.status === 'none' ? 0 : Number(p.status[0]);
  if (p.path) f.pathPrefix = p.path;
  return f;
}

/** The query string for these params with some changed (undefined removes one); defaults are left out. */
export function filterQuery(p: Partial<FilterParams>, changes: Partial<Record<keyof FilterParams, string | number | undefined>> = {}): string {
  const q = new URLSearchParams();
  const merged: Record<string, unknown> = { ...p, ...changes };
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined || v === '' || (k === 'range' && v === 'latest')) continue;
    q.set(k, k === 'from' || k === 'to' ? new Date(v as number).toISOString() : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * The params with a relative range ("latest hour", "last 15 min") replaced by the window it resolved to, for links
 * that must show the same records later: the next page, the export of what is on screen.
 */
export function pinnedParams(p: FilterParams, resolved: { since?: number; until?: number }): FilterParams {
  if (p.from !== undefined || p.to !== undefined || resolved.since === undefined || resolved.until === undefined) return p;
  return { ...p, from: resolved.since, to: resolved.until };
}
