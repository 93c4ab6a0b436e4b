// Requests over time from counted rows: per bucket the requests, the errors (5xx, and requests that got no response),
// the status classes and the response flags; over the window the status codes and flags with their counts. Pure.
import { responseFlagList } from '../envoy/access-record.ts';
import { responseFlagMeaning } from '../envoy/response-flags.ts';
import type { StatusCount } from '../store/chart-store.ts';
import { bucketStartMs, type ChartWindow } from './chart-window.ts';

export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'none'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** 'none': the request got no status (Envoy logged `0` or `-`: the stream ended before a response). */
export function statusClassOf(status: number | null): StatusClass {
  if (status === null || status < 100 || status > 599) return 'none';
  return `${Math.floor(status / 100)}xx` as StatusClass;
}

/** 5xx, or no response at all. */
export const isError = (status: number | null): boolean => statusClassOf(status) === '5xx' || statusClassOf(status) === 'none';

export type TrafficPoint = { t: number; requests: number; errors: number } & Record<StatusClass, number>;

export interface FlagTotal {
  flag: string;
  /** Null for a code Envoy's core does not define. */
  meaning: string | null;
  count: number;
}

export interface TrafficSeries {
  /** Every bucket of the window, empty ones as zeros. */
  points: TrafficPoint[];
  requests: number;
  errors: number;
  byClass: Record<StatusClass, number>;
  /** Most frequent first; null: no status. */
  statusCodes: { status: number | null; statusClass: StatusClass; count: number }[];
  /** Each flag of a record counted once (`UF,URX` counts for UF and for URX); most frequent first. */
  flags: FlagTotal[];
  /** Per bucket, the count of each flag in `flags`, keyed `f0`, `f1`… by its place in `flags` (flag text is log text:
   * as a key it could overwrite `t` or be read as a path by the chart). */
  flagPoints: ({ t: number } & Record<string, number>)[];
}

const zeroClasses = (): Record<StatusClass, number> => ({ '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0 });

export function trafficSeries(rows: readonly StatusCount[], window: ChartWindow): TrafficSeries {
  const points: TrafficPoint[] = Array.from({ length: window.buckets }, (_, i) => ({ t: bucketStartMs(window, i), requests: 0, errors: 0, ...zeroClasses() }));
  const flagBuckets = Array.from({ length: window.buckets }, () => new Map<string, number>());
  const byClass = zeroClasses();
  const codes = new Map<number | null, number>();
  const flags = new Map<string, number>();
  let requests = 0;
  let errors = 0;
  for (const row of rows) {
    const point = points[row.bucket];
    if (!point) continue;
    const cls = statusClassOf(row.status);
    point.requests += row.count;
    point[cls] += row.count;
    byClass[cls] += row.count;
    requests += row.count;
    if (isError(row.status)) {
      point.errors += row.count;
      errors += row.count;
    }
    codes.set(row.status, (codes.get(row.status) ?? 0) + row.count);
    for (const flag of new Set(responseFlagList(row.responseFlags))) {
      flags.set(flag, (flags.get(flag) ?? 0) + row.count);
      flagBuckets[row.bucket]!.set(flag, (flagBuckets[row.bucket]!.get(flag) ?? 0) + row.count);
    }
  }
  const flagTotals = [...flags].map(([flag, count]) => ({ flag, meaning: responseFlagMeaning(flag), count })).sort((a, b) => b.count - a.count || a.flag.localeCompare(b.flag));
  return {
    points,
    requests,
    errors,
    byClass,
    statusCodes: [...codes].map(([status, count]) => ({ status, statusClass: statusClassOf(status), count }))
      .sort((a, b) => b.count - a.count || (a.status ?? 0) - (b.status ?? 0)),
    flags: flagTotals,
    flagPoints: points.map((p, i) => ({ t: p.t, ...Object.fromEntries(flagTotals.map((f, k) => [`f${k}`, flagBuckets[i]!.get(f.flag) ?? 0])) })),
  };
}
