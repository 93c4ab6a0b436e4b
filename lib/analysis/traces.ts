// One request followed across sidecars. Every Envoy the request passed logs a record with the same X-Request-ID; this
// orders them by start time and guesses who called whom. The strong clue is the upstream pod: when record A names
// pod P as its upstream and record B was written by P's own Envoy, starting while A was waiting, A called B. Without
// that clue (upstream was a ClusterIP, an imported file, a pod envoy-lens did not know) the record that most tightly
// contains B in time is taken as its parent, with low confidence. Clocks of different nodes disagree by a few ms, so
// containment allows a small skew. Parents never form a cycle, whatever the input.
import type { TraceRecord } from '../store/queries/trace-records.ts';

export type { TraceRecord };

/** How far a child may start before its parent, or end after it, and still count as inside it (clock skew). */
export const TRACE_CLOCK_SKEW_MS = 5;

export type ParentBy = 'upstream-pod' | 'timing';

export interface TraceHop {
  record: TraceRecord;
  /** Start time in epoch ms with the sub-millisecond part when logged; null when the record has no start time. */
  startMs: number | null;
  /** The record's own latency (%DURATION%); null when not logged. */
  latencyMs: number | null;
  /** The parent hop's record id; null for a root. */
  parentId: number | null;
  /** Why the parent was chosen: its upstream pod wrote this record, or only timing contains it; null for a root. */
  parentBy: ParentBy | null;
  confidence: 'high' | 'low' | null;
  /** This hop's start minus its parent's start (ms; slightly negative under clock skew); null for a root. */
  gapFromParentMs: number | null;
  /** 0 for a root, parent's depth + 1 otherwise. */
  depth: number;
  /** Another record of the trace with the same source, upstream, start, latency, path and status (stored twice). */
  duplicateOf: number | null;
}

export interface Trace {
  /** The request id the records share (the first one's); null for no records. */
  requestId: string | null;
  /** Ordered by start time (records without one last), an outer hop before one starting at the same time. */
  hops: TraceHop[];
  rootIds: number[];
  /** Earliest start and latest end over hops with a start time (end = start + latency). */
  startMs: number | null;
  endMs: number | null;
  spanMs: number | null;
  /** Ids of the chain that bounds the request's latency: from the longest root down through the latest-ending child. */
  criticalPath: number[];
  criticalPathDepth: number;
  /** The deepest chain of parent links, in hops (1 for a single record, 0 for none). */
  maxDepth: number;
}

const preciseStart = (r: TraceRecord): number | null =>
  r.startTimeMs === null || !Number.isFinite(r.startTimeMs) ? null : r.startTimeMs + clampNanos(r.startTimeNanos) / 1e6;

function clampNanos(nanos: number | null | undefined): number {
  if (nanos === null || nanos === undefined || !Number.isFinite(nanos)) return 0;
  return Math.min(999_999, Math.max(0, nanos));
}

const latencyOf = (r: TraceRecord): number | null =>
  r.durationMs === null || !Number.isFinite(r.durationMs) || r.durationMs < 0 ? null : r.durationMs;

const sameText = (a: string | null | undefined, b: string | null | undefined) => (a ?? null) === (b ?? null);

/** The duplicate-detection identity of a record. */
const contentKey = (r: TraceRecord) =>
  JSON.stringify([r.source.namespace, r.source.pod, r.source.container, r.startTimeMs, r.startTimeNanos ?? null, r.durationMs,
    r.upstreamHost, r.upstreamCluster, r.method, r.path, r.status, r.responseFlags]);

/** A's upstream pod is the pod whose Envoy wrote B. */
function calledPodOf(a: TraceRecord, b: TraceRecord): boolean {
  if (!a.upstreamPod || !b.source.pod || a.upstreamPod !== b.source.pod) return false;
  return !a.upstreamNamespace || !b.source.namespace || a.upstreamNamespace === b.source.namespace;
}

/** B's start falls within A's [start, end], give or take the skew (A without a latency contains nothing). */
function startsInside(a: TraceHop, b: TraceHop): boolean {
  if (a.startMs === null || b.startMs === null || a.latencyMs === null) return false;
  return b.startMs >= a.startMs - TRACE_CLOCK_SKEW_MS && b.startMs <= a.startMs + a.latencyMs + TRACE_CLOCK_SKEW_MS;
}

/**
 * B lies entirely within A, give or take the skew (an unknown latency of B counts as ending where it starts), and A
 * is the outer one: not shorter than B, and when as long, not starting later (so two records never contain each other
 * unless they are identical in time).
 */
function containedIn(a: TraceHop, b: TraceHop): boolean {
  if (!startsInside(a, b)) return false;
  const bLatency = b.latencyMs ?? 0;
  if (a.latencyMs! < bLatency || (a.latencyMs === bLatency && a.startMs! > b.startMs!)) return false;
  return b.startMs! + bLatency <= a.startMs! + a.latencyMs! + TRACE_CLOCK_SKEW_MS;
}

/** Of two candidate parents, the tighter: the shorter, then the later start, then the lower id. */
function tighter(a: TraceHop, b: TraceHop): TraceHop {
  if (a.latencyMs! !== b.latencyMs!) return a.latencyMs! < b.latencyMs! ? a : b;
  if (a.startMs! !== b.startMs!) return a.startMs! > b.startMs! ? a : b;
  return a.record.id < b.record.id ? a : b;
}

function compareHops(a: TraceHop, b: TraceHop): number {
  if (a.startMs === null || b.startMs === null) {
    if (a.startMs !== b.startMs) return a.startMs === null ? 1 : -1;
  } else if (a.startMs !== b.startMs) return a.startMs - b.startMs;
  const byLatency = (b.latencyMs ?? -1) - (a.latencyMs ?? -1);
  return byLatency !== 0 ? byLatency : a.record.id - b.record.id;
}

/** Builds the trace of one request from its records (any order; a record id given twice is read once). */
export function buildTrace(records: readonly TraceRecord[]): Trace {
  const seenIds = new Set<number>();
  const firstByContent = new Map<string, number>();
  const hops: TraceHop[] = [];
  for (const record of records) {
    if (seenIds.has(record.id)) continue;
    seenIds.add(record.id);
    const key = contentKey(record);
    const duplicateOf = firstByContent.get(key) ?? null;
    if (duplicateOf === null) firstByContent.set(key, record.id);
    hops.push({
      record, startMs: preciseStart(record), latencyMs: latencyOf(record), parentId: null, parentBy: null, confidence: null,
      gapFromParentMs: null, depth: 0, duplicateOf,
    });
  }
  hops.sort(compareHops);
  const byId = new Map(hops.map((h) => [h.record.id, h]));

  /** Hops some other hop already took as parent: only these can close a loop. */
  const parents = new Set<TraceHop>();
  /** True when making `candidate` the parent of `child` would close a loop. */
  const wouldLoop = (child: TraceHop, candidate: TraceHop): boolean => {
    if (!parents.has(child)) return false;
    for (let at: TraceHop | undefined = candidate, steps = 0; at && steps <= hops.length; steps++) {
      if (at === child) return true;
      at = at.parentId === null ? undefined : byId.get(at.parentId);
    }
    return false;
  };

  for (const hop of hops) {
    if (hop.startMs === null || hop.duplicateOf !== null) continue;
    let byPod: TraceHop | undefined;
    let byTiming: TraceHop | undefined;
    let byTimingFromCaller: TraceHop | undefined;
    for (const candidate of hops) {
      if (candidate === hop || candidate.duplicateOf !== null) continue;
      const called = calledPodOf(candidate.record, hop.record) && startsInside(candidate, hop);
      if (!called && !containedIn(candidate, hop)) continue;
      if (wouldLoop(hop, candidate)) continue;
      if (called) {
        byPod = byPod ? tighter(byPod, candidate) : candidate;
        continue;
      }
      byTiming = byTiming ? tighter(byTiming, candidate) : candidate;
      // A record written by the pod the hop's caller address names is the better timing guess.
      if (hop.record.downstreamPod && sameText(candidate.record.source.pod, hop.record.downstreamPod)) {
        byTimingFromCaller = byTimingFromCaller ? tighter(byTimingFromCaller, candidate) : candidate;
      }
    }
    const parent = byPod ?? byTimingFromCaller ?? byTiming;
    if (!parent) continue;
    hop.parentId = parent.record.id;
    parents.add(parent);
    hop.parentBy = byPod ? 'upstream-pod' : 'timing';
    hop.confidence = byPod ? 'high' : 'low';
    // From the parts, not the combined starts: epoch ms as doubles keep only about a quarter of a microsecond.
    hop.gapFromParentMs = hop.record.startTimeMs! - parent.record.startTimeMs! +
      (clampNanos(hop.record.startTimeNanos) - clampNanos(parent.record.startTimeNanos)) / 1e6;
  }
  // A record stored twice sits where its first copy does.
  for (const hop of hops) {
    const original = hop.duplicateOf === null ? undefined : byId.get(hop.duplicateOf);
    if (!original) continue;
    Object.assign(hop, { parentId: original.parentId, parentBy: original.parentBy, confidence: original.confidence, gapFromParentMs: original.gapFromParentMs });
  }

  const children = new Map<number, TraceHop[]>();
  for (const hop of hops) {
    if (hop.parentId === null) continue;
    const list = children.get(hop.parentId);
    if (list) list.push(hop);
    else children.set(hop.parentId, [hop]);
  }
  const roots = hops.filter((h) => h.parentId === null);
  let maxDepth = 0;
  const queue: TraceHop[] = [...roots];
  for (let i = 0; i < queue.length; i++) {
    const hop = queue[i]!;
    maxDepth = Math.max(maxDepth, hop.depth + 1);
    for (const child of children.get(hop.record.id) ?? []) {
      child.depth = hop.depth + 1;
      queue.push(child);
    }
  }

  let startMs: number | null = null;
  let endMs: number | null = null;
  for (const h of hops) {
    if (h.startMs === null) continue;
    startMs = Math.min(startMs ?? Infinity, h.startMs);
    endMs = Math.max(endMs ?? -Infinity, h.startMs + (h.latencyMs ?? 0));
  }
  return {
    requestId: hops[0]?.record.requestId ?? null,
    hops,
    rootIds: roots.map((h) => h.record.id),
    startMs,
    endMs,
    spanMs: startMs !== null && endMs !== null ? endMs - startMs : null,
    ...criticalPathOf(roots, children),
    maxDepth,
  };
}

const endOf = (h: TraceHop) => (h.startMs === null ? -Infinity : h.startMs + (h.latencyMs ?? 0));

/** From the root that ends last (the longest on a tie), down through the child that ends last at each level. */
function criticalPathOf(roots: TraceHop[], children: Map<number, TraceHop[]>): { criticalPath: number[]; criticalPathDepth: number } {
  const latest = (list: TraceHop[]) =>
    list.reduce<TraceHop | undefined>((best, h) => (!best || endOf(h) > endOf(best) || (endOf(h) === endOf(best) && (h.latencyMs ?? 0) > (best.latencyMs ?? 0)) ? h : best), undefined);
  const path: number[] = [];
  for (let at = latest(roots); at; at = latest(children.get(at.record.id) ?? [])) path.push(at.record.id);
  return { criticalPath: path, criticalPathDepth: path.length };
}
