// The collector's status as the dashboard and `envoy-lens collect --status` show it: streams followed and waiting,
// lines per second, lag, errors, gaps, and per container what it is doing.
import type { CollectorCounters, RecentError } from './collector-counters.ts';
import type { ContainerTracker } from './container-tracker.ts';
import type { InformerStats } from './informer.ts';

export interface FollowedContainer {
  namespace: string;
  pod: string;
  container: string;
  containerId: string | null;
  state: string;
  lines: number;
  lastLineAt: string | null;
  format: string | null;
  lastError: string | null;
}

export interface CollectorStatus {
  id: string;
  startedAt: string;
  at: string;
  /** Set in the last status of a collector that stopped. */
  stoppedAt: string | null;
  followed: number;
  /** Containers beyond --max-streams, not followed until a slot frees. */
  waiting: { namespace: string; pod: string; container: string }[];
  maxStreams: number;
  linesPerSecond: number;
  lagMs: { p50: number; p95: number; max: number } | null;
  totals: {
    linesRead: number;
    records: number;
    rejected: number;
    otherLines: number;
    resumedOver: number;
    streamsOpened: number;
    reconnects: number;
    stalls: number;
    gaps: number;
  };
  errors: Record<string, number>;
  recentErrors: RecentError[];
  watches: { lists: number; watches: number; errors: number; expired: number; synced: boolean }[];
  writerError: string | null;
  containers: FollowedContainer[];
}

export interface StatusInput {
  id: string;
  startedAt: number;
  stoppedAt?: number;
  counters: CollectorCounters;
  trackers: ContainerTracker[];
  waiting: ContainerTracker[];
  maxStreams: number;
  informers: InformerStats[];
  writerError: string | undefined;
}

export function collectorStatus(s: StatusInput): CollectorStatus {
  const c = s.counters;
  const waiting = new Set(s.waiting);
  return {
    id: s.id,
    startedAt: new Date(s.startedAt).toISOString(),
    at: new Date().toISOString(),
    stoppedAt: s.stoppedAt ? new Date(s.stoppedAt).toISOString() : null,
    followed: s.trackers.length - waiting.size,
    waiting: s.waiting.map((t) => ({ namespace: t.target.namespace, pod: t.target.pod, container: t.target.container })),
    maxStreams: s.maxStreams,
    linesPerSecond: Math.round(c.rate() * 10) / 10,
    lagMs: c.lag(),
    totals: {
      linesRead: c.linesRead, records: c.records, rejected: c.rejected, otherLines: c.otherLines, resumedOver: c.resumedOver,
      streamsOpened: c.streamsOpened, reconnects: c.reconnects, stalls: c.stalls, gaps: c.gaps,
    },
    errors: Object.fromEntries(c.errors),
    recentErrors: [...c.recent],
    watches: s.informers.map((i) => ({ lists: i.lists, watches: i.watches, errors: i.errors, expired: i.expired, synced: i.synced })),
    writerError: s.writerError ?? null,
    containers: s.trackers
      .filter((t) => !waiting.has(t))
      .map((t) => ({
        namespace: t.target.namespace, pod: t.target.pod, container: t.target.container, containerId: t.containerId ?? null,
        state: t.state, lines: t.lines, lastLineAt: t.lastLineAt ? new Date(t.lastLineAt).toISOString() : null,
        format: t.formatOrigin ?? null, lastError: t.lastError ?? null,
      })),
  };
}

/** The status as a few lines of text for a terminal. */
export function statusText(st: CollectorStatus, updatedAt: number): string {
  const age = Math.round((Date.now() - updatedAt) / 1000);
  const lag = st.lagMs ? `lag p50 ${st.lagMs.p50} ms, p95 ${st.lagMs.p95} ms` : 'no lag measured yet';
  const state = st.stoppedAt ? `stopped at ${st.stoppedAt}` : `status from ${age}s ago${age > 30 ? ': it may have died' : ''}`;
  const lines = [
    `collector ${st.id} (${state})`,
    `  following ${st.followed} containers${st.waiting.length ? `, ${st.waiting.length} waiting over --max-streams ${st.maxStreams}` : ''}; ${st.linesPerSecond} records/s; ${lag}`,
    `  read ${st.totals.linesRead} lines: ${st.totals.records} records, ${st.totals.rejected} rejected, ${st.totals.otherLines} other (Envoy's own messages)`,
    `  streams opened ${st.totals.streamsOpened}, reconnects ${st.totals.reconnects}, stalls ${st.totals.stalls}, gaps ${st.totals.gaps}`,
  ];
  const errors = Object.entries(st.errors);
  if (errors.length) lines.push(`  errors: ${errors.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  for (const e of st.recentErrors.slice(-3)) lines.push(`    ${e.at} ${e.kind}: ${e.message}`);
  for (const w of st.waiting.slice(0, 10)) lines.push(`  waiting: ${w.namespace}/${w.pod} ${w.container}`);
  for (const c of st.containers) {
    lines.push(`  ${c.namespace}/${c.pod} ${c.container}: ${c.state}, ${c.lines} lines${c.lastError ? `, last error: ${c.lastError}` : ''}`);
  }
  return lines.join('\n');
}
