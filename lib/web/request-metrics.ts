// How long the dashboard's API routes take, per route, method and status: an in-process histogram that /metrics
// renders. Routes record into it by wrapping their handler: `export const GET = timedRoute('/api/export', get);`.
// The registry lives on globalThis, so route bundles that each carry a copy of this module still share one.
import type { HistogramSeries, MetricFamily } from './prometheus-text.ts';

/** Upper bounds in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  labels: { route: string; method: string; status: string };
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

export class DurationHistogram {
  private readonly series = new Map<string, Series>();

  constructor(readonly bounds: number[] = DURATION_BUCKETS) {}

  observe(labels: Series['labels'], seconds: number): void {
    const key = JSON.stringify([labels.route, labels.method, labels.status]);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { ...labels }, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    const slot = this.bounds.findIndex((le) => seconds <= le);
    s.counts[slot < 0 ? this.bounds.length : slot]! += 1;
    s.sum += seconds;
    s.count += 1;
  }

  /** Every series with cumulative buckets, in a stable order. */
  snapshot(): HistogramSeries[] {
    return [...this.series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => {
      let running = 0;
      const buckets = this.bounds.map((le, i) => ({ le, count: (running += s.counts[i]!) }));
      return { labels: { ...s.labels }, buckets, sum: s.sum, count: s.count };
    });
  }
}

const REGISTRY_KEY = Symbol.for('envoy-lens.request-durations');

/** The process's one histogram of API route durations. */
export function requestDurations(): DurationHistogram {
  const holder = globalThis as { [REGISTRY_KEY]?: DurationHistogram };
  return (holder[REGISTRY_KEY] ??= new DurationHistogram());
}

export function requestDurationFamily(histogram: DurationHistogram = requestDurations()): MetricFamily {
  return {
    name: 'envoy_lens_http_request_duration_seconds',
    help: 'Time the dashboard API routes take to answer, until the response starts (streams: until streaming starts).',
    type: 'histogram',
    series: histogram.snapshot(),
  };
}

/** The handler, timed into the histogram under `route` (a route pattern, not the URL: the label set stays small). */
export function timedRoute<A extends unknown[]>(
  route: string,
  handler: (...args: A) => Promise<Response>,
  histogram?: DurationHistogram,
): (...args: A) => Promise<Response> {
  return async (...args: A) => {
    const started = performance.now();
    const method = args[0] instanceof Request ? args[0].method : 'GET';
    const record = (status: number) =>
      (histogram ?? requestDurations()).observe({ route, method, status: String(status) }, (performance.now() - started) / 1000);
    try {
      const response = await handler(...args);
      record(response.status);
      return response;
    } catch (err) {
      record(500);
      throw err;
    }
  };
}
