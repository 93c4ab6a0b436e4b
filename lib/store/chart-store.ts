// The read side the dashboard's charts need: records under the dashboard's filter counted per time bucket and status,
// per time bucket and duration, per upstream. Behind one interface so each database answers in its own SQL; the
// numbers (percentiles, rates, histograms) are worked out from these counts in lib/analysis. Over long ranges a store
// may read whole minutes and hours from rollups: counts stay exact, durations become histogram buckets (flagged).
import { databaseKind } from './database-url.ts';
import type { RecordFilter } from './queries/record-filter.ts';

/** Time buckets: bucket i holds records starting in [originMs + i·bucketMs, originMs + (i+1)·bucketMs). */
export interface BucketGrid {
  originMs: number;
  bucketMs: number;
}

/** Records of one bucket sharing a status (null: no response) and a RESPONSE_FLAGS value, counted. */
export interface StatusCount {
  bucket: number;
  status: number | null;
  /** As logged (`UF,URX`), null for none. */
  responseFlags: string | null;
  count: number;
}

/** Records of one bucket that took exactly `durationMs`, counted. */
export interface DurationCount {
  bucket: number;
  durationMs: number;
  count: number;
  /**
   * Read from rollups (long ranges): the records took durations in a histogram bucket that `durationMs` stands for,
   * each within ±1/64 of it (lib/store/rollup/duration-histogram.ts). Absent when the durations are exactly this.
   */
  approximate?: boolean;
}

export interface UpstreamDurationCount extends DurationCount {
  upstream: string;
}

/** The upstream name of the rows upstreamDurationCounts adds with `others` (no upstream is named '': an empty name
 * counts as none). */
export const OTHER_UPSTREAMS = '';

/** Who served the records: the upstream pod, else the Service, else the IP or host Envoy logged. */
export interface UpstreamTotal {
  upstream: string;
  records: number;
  /** Records that logged a duration. */
  timed: number;
}

export interface RecordSpan {
  /** Start time of the first and the last record, epoch ms. */
  firstMs: number;
  lastMs: number;
  records: number;
}

export interface ChartStore {
  /** The first and last start times of the records the filter selects; null when it selects none with a start time. */
  recordSpan(filter: RecordFilter): Promise<RecordSpan | null>;
  statusCounts(filter: RecordFilter, grid: BucketGrid): Promise<StatusCount[]>;
  /** Records without a duration are left out; a null grid puts every record in bucket 0. */
  durationCounts(filter: RecordFilter, grid: BucketGrid | null): Promise<DurationCount[]>;
  /** The busiest upstreams, most records first (ties by name); records without an upstream are left out. */
  topUpstreams(filter: RecordFilter, limit: number): Promise<UpstreamTotal[]>;
  /**
   * Duration counts of these upstreams; a null grid puts every record in bucket 0. With `others`, the records of every
   * other upstream and of none come too, under OTHER_UPSTREAMS: one read gives a page both its upstreams and its whole.
   */
  upstreamDurationCounts(filter: RecordFilter, grid: BucketGrid | null, upstreams: readonly string[], o?: { others?: boolean }): Promise<UpstreamDurationCount[]>;
  close(): void;
}

/** Opens the dashboard's chart queries on an existing database; null when the file does not exist yet. */
export async function openChartStore(databaseUrl: string): Promise<ChartStore | null> {
  if (databaseKind(databaseUrl) === 'postgresql') {
    const { openPostgresChartStore } = await import('./postgres/postgres-chart-store.ts');
    return openPostgresChartStore(databaseUrl);
  }
  const { openSqliteChartStore } = await import('./sqlite/sqlite-chart-store.ts');
  return openSqliteChartStore(databaseUrl);
}
