// Percentiles from grouped counts (value → how many records had it), so the database only has to count: the same
// numbers on any backend, no percentile function needed in SQL.
//
// Definition: nearest rank. The p-th percentile of N values is the smallest value v such that at least ⌈p·N⌉ values
// are ≤ v. It is always one of the observed values (a latency that happened), and p = 1 gives the maximum.

export interface ValueCount {
  value: number;
  count: number;
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Values counted. */
  count: number;
}

/** The percentiles `ps` (each in (0, 1]) of the counted values, in the order asked; null each when there are none. */
export function percentilesOf(counts: readonly ValueCount[], ps: readonly number[]): (number | null)[] {
  for (const p of ps) if (!(p > 0 && p <= 1)) throw new RangeError(`percentile: p must be in (0, 1], got ${p}`);
  const sorted = counts.filter((c) => c.count > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((sum, c) => sum + c.count, 0);
  if (total === 0) return ps.map(() => null);
  return ps.map((p) => {
    // The epsilon keeps 0.07 × 100 = 7.000000000000001 at rank 7.
    const rank = Math.max(1, Math.ceil(p * total - 1e-9));
    let seen = 0;
    for (const c of sorted) {
      seen += c.count;
      if (seen >= rank) return c.value;
    }
    return sorted.at(-1)!.value;
  });
}

export function latencyPercentiles(counts: readonly ValueCount[]): Percentiles {
  const [p50, p95, p99] = percentilesOf(counts, [0.5, 0.95, 0.99]);
  return { p50: p50 ?? null, p95: p95 ?? null, p99: p99 ?? null, count: counts.reduce((sum, c) => sum + Math.max(0, c.count), 0) };
}

/** Counts of the same value added up (rows of several buckets or upstreams into one distribution). */
export function mergeCounts(rows: Iterable<{ durationMs: number; count: number }>): ValueCount[] {
  const byValue = new Map<number, number>();
  for (const r of rows) byValue.set(r.durationMs, (byValue.get(r.durationMs) ?? 0) + r.count);
  return [...byValue].map(([value, count]) => ({ value, count }));
}
