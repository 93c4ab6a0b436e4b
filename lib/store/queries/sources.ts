// What the Sources page shows: the container instances and files lines come from (with how far ingest got in each),
// the lines that did not parse (raw text kept verbatim), the gaps the collector recorded, and the collectors' last
// status. Prisma only; the raw text is returned as stored, for React to escape.
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client.ts';

export interface SourceView {
  id: number;
  kind: string;
  namespace: string | null;
  pod: string | null;
  container: string | null;
  podUid: string | null;
  containerId: string | null;
  /** `containerd://3f9a1c2b4d5e` → `3f9a1c2b4d5e` (12 hex digits, as `docker ps` shows them). */
  containerIdShort: string | null;
  location: string | null;
  format: string;
  createdAtMs: number;
  checkpoint: {
    linesRead: number;
    records: number;
    rejected: number;
    ambiguous: number;
    otherLines: number;
    finished: boolean;
    updatedAtMs: number;
  } | null;
}

export interface PodSources {
  namespace: string | null;
  pod: string | null;
  podUid: string | null;
  /** Its container instances, newest first. */
  sources: SourceView[];
}

export interface SourceList {
  pods: PodSources[];
  files: SourceView[];
  /** Sources stored in all; only the newest `limit` are listed. */
  total: number;
}

export const shortContainerId = (id: string | null): string | null => (id === null ? null : id.replace(/^[a-z0-9-]+:\/\//i, '').slice(0, 12));

/** The newest `limit` sources (by last update), pods grouped by namespace/pod, files apart. */
export async function listSources(prisma: PrismaClient, limit = 500): Promise<SourceList> {
  const [rows, total] = await Promise.all([
    prisma.source.findMany({ orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }], take: limit, include: { checkpoint: true } }),
    prisma.source.count(),
  ]);
  const views = rows.map((r): SourceView => ({
    id: r.id, kind: r.kind, namespace: r.namespace, pod: r.pod, container: r.container, podUid: r.podUid,
    containerId: r.containerId, containerIdShort: shortContainerId(r.containerId), location: r.location, format: r.format,
    createdAtMs: r.createdAt.getTime(),
    checkpoint: r.checkpoint && {
      linesRead: r.checkpoint.linesRead, records: r.checkpoint.records, rejected: r.checkpoint.rejected,
      ambiguous: r.checkpoint.ambiguous, otherLines: r.checkpoint.otherLines, finished: r.checkpoint.finished,
      updatedAtMs: r.checkpoint.updatedAt.getTime(),
    },
  }));
  const pods = new Map<string, PodSources>();
  for (const v of views.filter((s) => s.kind === 'pod')) {
    const key = v.podUid ?? `${v.namespace}/${v.pod}`;
    let group = pods.get(key);
    if (!group) pods.set(key, (group = { namespace: v.namespace, pod: v.pod, podUid: v.podUid, sources: [] }));
    group.sources.push(v);
  }
  const byName = (a: PodSources, b: PodSources) => `${a.namespace}/${a.pod}`.localeCompare(`${b.namespace}/${b.pod}`);
  return { pods: [...pods.values()].sort(byName), files: views.filter((s) => s.kind !== 'pod'), total };
}

/** How a source is named in lists: `ns/pod container 3f9a1c2b4d5e`, or the file's location. */
export function sourceLabel(s: Pick<SourceView, 'kind' | 'namespace' | 'pod' | 'container' | 'containerId' | 'location'> & { key?: string }): string {
  if (s.kind === 'pod') return `${s.namespace}/${s.pod} ${s.container}${s.containerId ? ` ${shortContainerId(s.containerId)}` : ''}`;
  return s.location ?? s.key?.replace(/^file:/, '') ?? 'file';
}

/** Raw text shown per rejected line; the full length is reported beside it. */
export const RAW_PREVIEW_CHARS = 2048;

export interface RejectedLineView {
  id: number;
  sourceId: number;
  source: string;
  /** Line number in the source (files) or position in the container's log. */
  seq: number;
  reason: string;
  column: number | null;
  /** At most RAW_PREVIEW_CHARS of the stored text, verbatim. */
  raw: string;
  /** Length of the original line (the stored text itself is capped at 64 KiB). */
  rawLength: number;
  truncated: boolean;
  createdAtMs: number;
}

export interface RejectedPage {
  lines: RejectedLineView[];
  /** Pass as `rejectedBefore` for the next (older) page; null at the end. */
  nextBefore: number | null;
  /** Rejected lines matching the source filter. */
  total: number;
}

/** Newest first, keyset-paginated by id; `sourceId` narrows to one source. */
export async function listRejectedLines(
  prisma: PrismaClient,
  options: { before?: number; sourceId?: number; limit: number },
): Promise<RejectedPage> {
  const where = options.sourceId !== undefined ? { sourceId: options.sourceId } : {};
  const [rows, total] = await Promise.all([
    prisma.rejectedLine.findMany({
      where: options.before !== undefined ? { ...where, id: { lt: options.before } } : where,
      orderBy: { id: 'desc' },
      take: options.limit + 1,
      include: { source: { select: { kind: true, key: true, namespace: true, pod: true, container: true, containerId: true, location: true } } },
    }),
    prisma.rejectedLine.count({ where }),
  ]);
  const page = rows.slice(0, options.limit);
  return {
    lines: page.map((r) => {
      const raw = preview(r.raw);
      return {
        id: r.id, sourceId: r.sourceId, source: sourceLabel(r.source), seq: r.seq, reason: r.reason, column: r.column,
        raw, rawLength: r.rawLength, truncated: raw.length < r.raw.length || r.rawLength > r.raw.length, createdAtMs: r.createdAt.getTime(),
      };
    }),
    nextBefore: rows.length > options.limit ? page[page.length - 1]!.id : null,
    total,
  };
}

/** The first RAW_PREVIEW_CHARS characters, never splitting a surrogate pair. */
function preview(raw: string): string {
  if (raw.length <= RAW_PREVIEW_CHARS) return raw;
  const end = /[\uD800-\uDBFF]/.test(raw[RAW_PREVIEW_CHARS - 1]!) ? RAW_PREVIEW_CHARS - 1 : RAW_PREVIEW_CHARS;
  return raw.slice(0, end);
}

/** The sources that have rejected lines, with how many, for the filter. */
export async function rejectSources(prisma: PrismaClient): Promise<{ id: number; label: string; count: number }[]> {
  const groups = await prisma.rejectedLine.groupBy({ by: ['sourceId'], _count: { _all: true }, orderBy: { sourceId: 'asc' }, take: 500 });
  const sources = await prisma.source.findMany({
    where: { id: { in: groups.map((g) => g.sourceId) } },
    select: { id: true, kind: true, key: true, namespace: true, pod: true, container: true, containerId: true, location: true },
  });
  const byId = new Map(sources.map((s) => [s.id, s]));
  return groups.flatMap((g) => {
    const s = byId.get(g.sourceId);
    return s ? [{ id: s.id, label: sourceLabel(s), count: g._count._all }] : [];
  });
}

export interface GapView {
  id: number;
  namespace: string;
  pod: string;
  container: string;
  containerIdShort: string | null;
  fromTime: string | null;
  toTime: string | null;
  reason: string;
  detail: string;
  createdAtMs: number;
}

/** The newest `limit` gaps, and how many there are. */
export async function listGaps(prisma: PrismaClient, limit = 100): Promise<{ gaps: GapView[]; total: number }> {
  const [rows, total] = await Promise.all([
    prisma.ingestGap.findMany({ orderBy: { id: 'desc' }, take: limit }),
    prisma.ingestGap.count(),
  ]);
  return {
    gaps: rows.map((g) => ({
      id: g.id, namespace: g.namespace, pod: g.pod, container: g.container, containerIdShort: shortContainerId(g.containerId),
      fromTime: g.fromTime, toTime: g.toTime, reason: g.reason, detail: g.detail, createdAtMs: g.createdAt.getTime(),
    })),
    total,
  };
}

// The collector's status JSON (lib/kube/collector-status.ts), read defensively: a field of the wrong shape becomes
// its empty value instead of breaking the page.
const count = z.number().finite().catch(0);
const statusSchema = z.object({
  id: z.string().catch(''),
  startedAt: z.string().nullable().catch(null),
  stoppedAt: z.string().nullable().catch(null),
  followed: count,
  maxStreams: count,
  waiting: z.array(z.object({ namespace: z.string(), pod: z.string(), container: z.string() })).catch([]),
  linesPerSecond: count,
  lagMs: z.object({ p50: z.number(), p95: z.number(), max: z.number() }).nullable().catch(null),
  totals: z.object({
    linesRead: count, records: count, rejected: count, otherLines: count, streamsOpened: count, reconnects: count, stalls: count, gaps: count,
  }).catch({ linesRead: 0, records: 0, rejected: 0, otherLines: 0, streamsOpened: 0, reconnects: 0, stalls: 0, gaps: 0 }),
  errors: z.record(z.string(), z.number()).catch({}),
  recentErrors: z.array(z.object({ at: z.string(), kind: z.string(), message: z.string() })).catch([]),
  writerError: z.string().nullable().catch(null),
  containers: z.array(z.object({
    namespace: z.string(), pod: z.string(), container: z.string(), containerId: z.string().nullable().catch(null),
    state: z.string().catch('unknown'), lastError: z.string().nullable().catch(null),
  })).catch([]),
});

export type CollectorStatusView = z.infer<typeof statusSchema> & { updatedAtMs: number };

/** Every stored collector status, newest first; a row whose JSON does not parse is left out. */
export async function collectorStatuses(prisma: PrismaClient, limit = 20): Promise<CollectorStatusView[]> {
  const rows = await prisma.collectorStatus.findMany({ orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }], take: limit });
  return rows.flatMap((r) => {
    let json: unknown;
    try {
      json = JSON.parse(r.json);
    } catch {
      return [];
    }
    const parsed = statusSchema.safeParse(json);
    return parsed.success ? [{ ...parsed.data, id: parsed.data.id || r.id, updatedAtMs: r.updatedAt.getTime() }] : [];
  });
}

export interface SourcesPage {
  sources: SourceList;
  rejected: RejectedPage;
  rejectSources: { id: number; label: string; count: number }[];
  gaps: { gaps: GapView[]; total: number };
  collectors: CollectorStatusView[];
}

/** Everything the Sources page shows, in one call. */
export async function sourcesPage(prisma: PrismaClient, options: { rejectedBefore?: number; sourceId?: number; rejectedLimit?: number }): Promise<SourcesPage> {
  const [sources, rejected, rejectedFrom, gaps, collectors] = await Promise.all([
    listSources(prisma),
    listRejectedLines(prisma, {
      limit: options.rejectedLimit ?? 25,
      ...(options.rejectedBefore !== undefined ? { before: options.rejectedBefore } : {}),
      ...(options.sourceId !== undefined ? { sourceId: options.sourceId } : {}),
    }),
    rejectSources(prisma),
    listGaps(prisma),
    collectorStatuses(prisma),
  ]);
  return { sources, rejected, rejectSources: rejectedFrom, gaps, collectors };
}
