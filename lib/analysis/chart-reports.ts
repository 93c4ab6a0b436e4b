// What the Overview, Responses and Latency pages show, read through the chart store for one record filter: the window
// cut into buckets, then the counted rows turned into series, percentiles and histograms.
import { OTHER_UPSTREAMS, type ChartStore, type DurationCount, type RecordSpan } from '../store/chart-store.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import { chartWindow, filterWindow, hourlyPoints, MAX_POINTS, type ChartWindow } from './chart-window.ts';
import { latencyHistogram, type HistogramBin } from './latency-histogram.ts';
import { percentileSeries, upstreamLatencies, upstreamPercentileSeries, type PercentilePoint, type UpstreamLatency, type UpstreamPoint } from './latency-series.ts';
import { latencyPercentiles, mergeCounts, type Percentiles } from './percentiles.ts';
import { trafficSeries, type TrafficSeries } from './traffic-series.ts';

export interface ChartBase {
  window: ChartWindow;
  /** The records the filter selects (with a start time). */
  span: RecordSpan;
}

/**
 * The window and the records in it, and the filter bounded to the window (the same records: the window runs from the
 * first to the last of them), so the store sees how long a range it counts over (rollups serve ranges over an hour);
 * null when the filter selects no record.
 */
async function chartBase(store: ChartStore, filter: RecordFilter, o: { hourly?: boolean } = {}): Promise<{ base: ChartBase; bounded: RecordFilter } | null> {
  const span = await store.recordSpan(filter);
  if (!span) return null;
  const w = filterWindow(filter, span);
  const window = chartWindow(w.fromMs, w.toMs, o.hourly ? hourlyPoints(w.toMs - w.fromMs, MAX_POINTS) : MAX_POINTS);
  return { base: { window, span }, bounded: { ...filter, since: w.fromMs, until: w.toMs } };
}

/** The window narrowed to the records' (what a rate is over): from the first record to the end of the last one's ms, at least a second. */
export function activeMs(base: ChartBase): number {
  const from = Math.max(base.window.fromMs, base.span.firstMs);
  const to = Math.min(base.window.toMs, base.span.lastMs + 1);
  return Math.max(1000, to - from);
}

const anyApproximate = (rows: readonly DurationCount[]): boolean => rows.some((r) => r.approximate);

export interface ResponsesReport extends ChartBase {
  traffic: TrafficSeries;
}

export async function responsesReport(store: ChartStore, filter: RecordFilter): Promise<ResponsesReport | null> {
  const b = await chartBase(store, filter);
  if (!b) return null;
  const { base, bounded } = b;
  return { ...base, traffic: trafficSeries(await store.statusCounts(bounded, base.window), base.window) };
}

export interface OverviewReport extends ChartBase {
  traffic: TrafficSeries;
  /** Requests per second over the active part of the window. */
  ratePerSecond: number;
  activeMs: number;
  /** Errors / requests; null for no requests. */
  errorRate: number | null;
  latency: Percentiles;
  /** Some durations were read from rollup histograms (a long window): percentiles within ±1/64 of the exact ones. */
  latencyApproximate: boolean;
}

export async function overviewReport(store: ChartStore, filter: RecordFilter): Promise<OverviewReport | null> {
  const b = await chartBase(store, filter);
  if (!b) return null;
  const { base, bounded } = b;
  // The Overview's latency is the window's alone: read over the whole window (hour rollups where they fit), not per bucket.
  const [statuses, durations] = await Promise.all([store.statusCounts(bounded, base.window), store.durationCounts(bounded, null)]);
  const traffic = trafficSeries(statuses, base.window);
  const active = activeMs(base);
  return {
    ...base,
    traffic,
    ratePerSecond: traffic.requests / (active / 1000),
    activeMs: active,
    errorRate: traffic.requests > 0 ? traffic.errors / traffic.requests : null,
    latency: latencyPercentiles(mergeCounts(durations)),
    latencyApproximate: anyApproximate(durations),
  };
}

export interface LatencyReport extends ChartBase {
  overall: Percentiles;
  series: PercentilePoint[];
  histogram: HistogramBin[];
  /** The busiest upstreams with their percentiles over the window. */
  upstreams: UpstreamLatency[];
  /** p95 per bucket of the first `charted` upstreams (keys u0, u1, …). */
  upstreamSeries: UpstreamPoint[];
  charted: string[];
  /**
   * Some durations were read from rollup histograms (a long window): every percentile is within ±1/64 (1.6 %) of the
   * exact one, and the histogram's bins may be off by as much at their edges. Counts are exact either way.
   */
  latencyApproximate: boolean;
}

export const LATENCY_TABLE_UPSTREAMS = 20;
export const LATENCY_CHART_UPSTREAMS = 6;

export async function latencyReport(store: ChartStore, filter: RecordFilter, o: { tableUpstreams?: number; chartUpstreams?: number } = {}): Promise<LatencyReport | null> {
  // Percentiles per bucket merge histograms: past 12 h, buckets of whole hours read hour rollups.
  const b = await chartBase(store, filter, { hourly: true });
  if (!b) return null;
  const { base, bounded } = b;
  const top = await store.topUpstreams(bounded, o.tableUpstreams ?? LATENCY_TABLE_UPSTREAMS);
  const charted = top.slice(0, o.chartUpstreams ?? LATENCY_CHART_UPSTREAMS).map((u) => u.upstream);
  // One read per bucket: the table's upstreams each on their own, every other record together. The table merges an
  // upstream's buckets, the chart keeps the charted ones', and all of them make the whole (the histograms are the
  // cost, parsed once).
  const rows = await store.upstreamDurationCounts(bounded, base.window, top.map((u) => u.upstream), { others: true });
  const durations: DurationCount[] = rows;
  const perUpstream = rows.filter((r) => r.upstream !== OTHER_UPSTREAMS);
  const all = mergeCounts(durations);
  return {
    ...base,
    overall: latencyPercentiles(all),
    series: percentileSeries(durations, base.window),
    histogram: latencyHistogram(all),
    upstreams: upstreamLatencies(top, perUpstream),
    upstreamSeries: upstreamPercentileSeries(perUpstream, base.window, charted, 'p95'),
    charted,
    latencyApproximate: anyApproximate(durations),
  };
}
