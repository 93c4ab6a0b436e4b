// Request durations over time from counted rows: p50/p95/p99 per bucket, overall and per upstream, and the
// percentiles of each upstream over the window. Pure.
import type { DurationCount, UpstreamDurationCount, UpstreamTotal } from '../store/chart-store.ts';
import { bucketStartMs, type ChartWindow } from './chart-window.ts';
import { latencyPercentiles, mergeCounts, type Percentiles } from './percentiles.ts';

export type PercentilePoint = { t: number } & Percentiles;

/** Every bucket of the window; a bucket without timed records has null percentiles (a gap in the line). */
export function percentileSeries(rows: readonly DurationCount[], window: ChartWindow): PercentilePoint[] {
  const perBucket = Array.from({ length: window.buckets }, () => [] as DurationCount[]);
  for (const row of rows) perBucket[row.bucket]?.push(row);
  return perBucket.map((bucket, i) => ({ t: bucketStartMs(window, i), ...latencyPercentiles(mergeCounts(bucket)) }));
}

export interface UpstreamLatency extends Percentiles {
  upstream: string;
  /** Every record to it, timed or not. */
  records: number;
}

/** The window's percentiles of each upstream, in the order of `totals` (busiest first). */
export function upstreamLatencies(totals: readonly UpstreamTotal[], rows: readonly UpstreamDurationCount[]): UpstreamLatency[] {
  const byUpstream = groupBy(rows, (r) => r.upstream);
  return totals.map((t) => ({ upstream: t.upstream, records: t.records, ...latencyPercentiles(mergeCounts(byUpstream.get(t.upstream) ?? [])) }));
}

export type UpstreamPoint = { t: number } & Record<string, number | null>;

/**
 * One percentile of each upstream per bucket. Keys are `u0`, `u1`, … in the order of `upstreams` (names hold dots and
 * slashes, which chart libraries read as paths).
 */
export function upstreamPercentileSeries(rows: readonly UpstreamDurationCount[], window: ChartWindow, upstreams: readonly string[], which: 'p50' | 'p95' | 'p99'): UpstreamPoint[] {
  // Rows per upstream, then per bucket: no key built per row (a week of rollups hands over ~100k rows).
  const index = new Map(upstreams.map((u, k) => [u, k]));
  const cells = upstreams.map(() => Array.from({ length: window.buckets }, () => [] as UpstreamDurationCount[]));
  for (const row of rows) {
    const k = index.get(row.upstream);
    if (k !== undefined) cells[k]![row.bucket]?.push(row);
  }
  return Array.from({ length: window.buckets }, (_, i) => {
    const point: UpstreamPoint = { t: bucketStartMs(window, i) };
    upstreams.forEach((_u, k) => {
      point[`u${k}`] = latencyPercentiles(mergeCounts(cells[k]![i]!))[which];
    });
    return point;
  });
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}
