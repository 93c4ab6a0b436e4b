// Records → rollup deltas: what a batch of stored records adds to each minute row and each hour row it touches. Pure
// and backend-neutral; each database writes the deltas in the transaction that stores the records (see
// lib/store/sqlite/sqlite-rollups.ts).
import { addDuration, mergeCounts, type BucketCounts } from './duration-histogram.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MINUTES = 60;
export const HOUR_MS = HOUR_MINUTES * MINUTE_MS;
/** The periods kept: minute rows for charts with minute buckets, hour rows for charts over days. */
export const PERIODS = [1, HOUR_MINUTES] as const;
export type PeriodMinutes = (typeof PERIODS)[number];

/** What a rollup row is keyed by besides its period. Never null: '' (status -1) is "not logged". */
export interface RollupDimensions {
  sourceId: number;
  cluster: string;
  upstreamHost: string;
  upstreamIp: string;
  upstreamKind: string;
  upstreamNamespace: string;
  upstreamPod: string;
  upstreamService: string;
  status: number;
  responseFlags: string;
}

/** The fields of a stored record a rollup reads (an AccessRecord, or a row read back from the records table). */
export interface RollupRecord {
  /** Epoch ms; a record without one is not rolled up. */
  startTime: number | null;
  durationMs: number | null;
  status: number | null;
  responseFlags: string | null;
  upstreamCluster: string | null;
  upstreamHost: string | null;
  upstreamIp: string | null;
}

/** Who the upstream was at the record's time (the ingest store's Attribution, or the same columns read back). */
export interface RollupAttribution {
  upstreamKind: string | null;
  upstreamNamespace: string | null;
  upstreamPod: string | null;
  upstreamService: string | null;
  upstreamAmbiguous: boolean | number | null;
}

export interface RollupDelta extends RollupDimensions {
  periodMinutes: PeriodMinutes;
  /** Epoch minutes. */
  periodStart: number;
  records: number;
  ambiguous: number;
  timed: number;
  durationSumMs: number;
  histogram: BucketCounts;
}

/** The minute of an epoch-ms instant (floored, also before 1970). */
export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS);
export const hourStartMinute = (minute: number): number => Math.floor(minute / HOUR_MINUTES) * HOUR_MINUTES;

/** '' for null: the rollup's "not logged". A logged empty string reads the same (Envoy logs `-`, stored as null). */
const text = (v: string | null | undefined): string => v ?? '';

/**
 * A key that tells every distinct dimension tuple apart whatever the text holds (log text is attacker-controlled, so
 * no separator is safe): each string is preceded by its length.
 */
function dimensionKey(d: RollupDimensions): string {
  const s = (v: string) => `${v.length}:${v}`;
  return `${d.sourceId}|${d.status}|${s(d.cluster)}${s(d.upstreamHost)}${s(d.upstreamIp)}${s(d.upstreamKind)}${s(d.upstreamNamespace)}${s(d.upstreamPod)}${s(d.upstreamService)}${s(d.responseFlags)}`;
}

export function rollupDimensions(sourceId: number, r: RollupRecord, a?: RollupAttribution | null): RollupDimensions {
  return {
    sourceId,
    cluster: text(r.upstreamCluster),
    upstreamHost: text(r.upstreamHost),
    upstreamIp: text(r.upstreamIp),
    upstreamKind: text(a?.upstreamKind),
    upstreamNamespace: text(a?.upstreamNamespace),
    upstreamPod: text(a?.upstreamPod),
    upstreamService: text(a?.upstreamService),
    status: r.status ?? -1,
    responseFlags: text(r.responseFlags),
  };
}

/**
 * Collects the records of one transaction into per-minute deltas (one per minute and dimension tuple), and derives the
 * per-hour deltas from those, so each row is written once per transaction however many records it gains.
 */
export class RollupAccumulator {
  /**
   * Minute deltas in a tree of Maps, one level per key part (minute, source, status, then the texts). Map keys compare
   * by value, so no text can be mistaken for another (log text is attacker-controlled: no separator is safe), and no
   * key string is built per record: this runs for every record stored, and measured ~4× faster than a joined key.
   */
  private readonly tree = new Map<unknown, unknown>();
  private readonly minutes: RollupDelta[] = [];
  /** Records added (with a start time). */
  size = 0;

  /** Counts one stored record (nothing when it has no start time). */
  add(sourceId: number, r: RollupRecord, a?: RollupAttribution | null): void {
    if (r.startTime === null || !Number.isFinite(r.startTime)) return;
    const periodStart = minuteOf(r.startTime);
    let m = branch(branch(branch(this.tree, periodStart), sourceId), r.status ?? -1);
    m = branch(branch(branch(m, r.upstreamCluster ?? null), r.upstreamHost ?? null), r.upstreamIp ?? null);
    m = branch(branch(branch(branch(m, a?.upstreamKind ?? null), a?.upstreamNamespace ?? null), a?.upstreamPod ?? null), a?.upstreamService ?? null);
    const flags = r.responseFlags ?? null;
    let d = m.get(flags) as RollupDelta | undefined;
    if (!d) {
      d = { ...rollupDimensions(sourceId, r, a), periodMinutes: 1, periodStart, records: 0, ambiguous: 0, timed: 0, durationSumMs: 0, histogram: new Map() };
      m.set(flags, d);
      this.minutes.push(d);
    }
    d.records++;
    if (a?.upstreamAmbiguous) d.ambiguous++;
    if (r.durationMs !== null && Number.isFinite(r.durationMs)) {
      d.timed++;
      d.durationSumMs += r.durationMs;
      addDuration(d.histogram, r.durationMs);
    }
    this.size++;
  }

  get empty(): boolean {
    return this.size === 0;
  }

  /** The minute deltas, then the hour deltas they add up to. */
  deltas(): RollupDelta[] {
    const hours = new Map<string, RollupDelta>();
    for (const m of this.minutes) {
      const periodStart = hourStartMinute(m.periodStart);
      const key = `${periodStart}|${dimensionKey(m)}`;
      let h = hours.get(key);
      if (!h) {
        h = { ...m, periodMinutes: HOUR_MINUTES, periodStart, records: 0, ambiguous: 0, timed: 0, durationSumMs: 0, histogram: new Map() };
        hours.set(key, h);
      }
      h.records += m.records;
      h.ambiguous += m.ambiguous;
      h.timed += m.timed;
      h.durationSumMs += m.durationSumMs;
      mergeCounts(h.histogram, m.histogram);
    }
    return [...this.minutes, ...hours.values()];
  }
}

function branch(m: Map<unknown, unknown>, key: unknown): Map<unknown, unknown> {
  let next = m.get(key) as Map<unknown, unknown> | undefined;
  if (!next) m.set(key, (next = new Map()));
  return next;
}
