// How request durations spread: bins on a 1-2-5 scale (0–1 ms, 1–2, 2–5, 5–10, 10–20 ms …), roughly even steps on a
// log axis, so fast cache hits and slow timeouts both show.
import type { ValueCount } from './percentiles.ts';

export interface HistogramBin {
  /** [fromMs, toMs) */
  fromMs: number;
  toMs: number;
  count: number;
}

/** The upper edge of the bin holding `ms` (a non-negative duration). */
function upperEdge(ms: number): number {
  if (ms < 1) return 1;
  let decade = 1;
  for (;;) {
    for (const m of [2, 5, 10]) if (ms < decade * m) return decade * m;
    decade *= 10;
  }
}

/** Every bin from the shortest duration's to the longest's, empty ones included; [] for no values. */
export function latencyHistogram(counts: readonly ValueCount[]): HistogramBin[] {
  const values = counts.filter((c) => c.count > 0 && c.value >= 0);
  if (values.length === 0) return [];
  const bins = new Map<number, number>();
  for (const c of values) bins.set(upperEdge(c.value), (bins.get(upperEdge(c.value)) ?? 0) + c.count);
  const first = Math.min(...bins.keys());
  const last = Math.max(...bins.keys());
  const out: HistogramBin[] = [];
  for (let lower = 0, upper = 1; upper <= last; lower = upper, upper = upperEdge(upper)) {
    if (upper >= first) out.push({ fromMs: lower, toMs: upper, count: bins.get(upper) ?? 0 });
  }
  return out;
}
