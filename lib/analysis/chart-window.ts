// The time axis of a dashboard chart: the part of the filter's window that holds records, cut into 48 to 120 buckets
// of a round width, aligned to multiples of that width so ticks read well.

/** Round bucket widths, small to large; consecutive ones differ by at most 2.5×, so a window gets 48–120 buckets. */
export const BUCKET_WIDTHS_MS: readonly number[] = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000,
  60_000, 2 * 60_000, 5 * 60_000, 10 * 60_000, 15 * 60_000, 30 * 60_000,
  3_600_000, 2 * 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000,
  86_400_000, 2 * 86_400_000, 7 * 86_400_000, 14 * 86_400_000, 30 * 86_400_000,
];

export const MAX_POINTS = 120;

/** Windows longer than this are charted in whole minutes at least, so the per-minute rollups can answer them (an hour
 * of busy traffic is tens of thousands of records to read, and 60 of its minutes) — see lib/store/rollup/rollup-plan.ts. */
export const MINUTE_BUCKETS_FROM_MS = 30 * 60_000;

/** The smallest round width that cuts `spanMs` into at most `maxPoints` buckets (whole minutes past half an hour). */
export function bucketWidthFor(spanMs: number, maxPoints = MAX_POINTS): number {
  const wanted = Math.max(spanMs, 1) / maxPoints;
  const width = BUCKET_WIDTHS_MS.find((w) => w >= wanted) ?? Math.ceil(wanted / BUCKET_WIDTHS_MS.at(-1)!) * BUCKET_WIDTHS_MS.at(-1)!;
  return spanMs > MINUTE_BUCKETS_FROM_MS ? Math.max(width, 60_000) : width;
}

/** Windows longer than this may be charted in buckets of whole hours (see hourlyPoints). */
export const HOURLY_BUCKETS_FROM_MS = 12 * 3_600_000;

/**
 * At most `maxPoints` buckets, and for a window past HOURLY_BUCKETS_FROM_MS buckets of an hour at least: what the
 * hour rollups answer without minute rows (a day of minute rows is ~60k latency histograms to merge, against ~2k hour
 * rows). For the pages whose every bucket is costly to fill: Balance and Latency.
 */
export function hourlyPoints(spanMs: number, maxPoints: number): number {
  return spanMs > HOURLY_BUCKETS_FROM_MS ? Math.min(maxPoints, Math.ceil(spanMs / 3_600_000)) : maxPoints;
}

export interface ChartWindow {
  /** The window, [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  /** Start of bucket 0: fromMs rounded down to a multiple of bucketMs. */
  originMs: number;
  bucketMs: number;
  /** Buckets covering the window. */
  buckets: number;
}

export function chartWindow(fromMs: number, toMs: number, maxPoints = MAX_POINTS): ChartWindow {
  if (!(toMs > fromMs)) throw new RangeError(`chart window: the end (${toMs}) must be after the start (${fromMs})`);
  const bucketMs = bucketWidthFor(toMs - fromMs, maxPoints);
  const originMs = Math.floor(fromMs / bucketMs) * bucketMs;
  return { fromMs, toMs, originMs, bucketMs, buckets: Math.max(1, Math.ceil((toMs - originMs) / bucketMs)) };
}

/**
 * The part of a filter's window that holds records: from the first record the filter selects to the end of the last.
 * A chart of the latest hour of data that holds a minute of records draws that minute, in fine buckets, rather than
 * 59 empty minutes and a spike.
 */
export function filterWindow(filter: { since?: number; until?: number }, span: { firstMs: number; lastMs: number }): { fromMs: number; toMs: number } {
  const fromMs = Math.max(filter.since ?? -Infinity, span.firstMs);
  const toMs = Math.min(filter.until ?? Infinity, span.lastMs + 1);
  return { fromMs, toMs: Math.max(toMs, fromMs + 1) };
}

/** Start of bucket `i`, epoch ms. */
export const bucketStartMs = (w: Pick<ChartWindow, 'originMs' | 'bucketMs'>, i: number): number => w.originMs + i * w.bucketMs;
