// Request durations (whole ms) counted in log-scale buckets, small enough to keep per rollup row and mergeable by adding
// counts, so percentiles over any set of rows come from one merged histogram.
//
// Buckets: every duration below 64 ms has its own bucket (exact). From 64 ms on, each power of two [2^e, 2^(e+1)) is
// cut into 32 buckets of equal width 2^(e-5) (a log-linear layout, as HdrHistogram and DDSketch-like sketches do). A
// bucket stands for its midpoint, so the value reported for any duration d in it is within
//     |value − d| ≤ width / 2 ≤ 2^(e-6) ≤ d / 64,
// a relative error of at most 1/64 ≈ 1.6 % (HISTOGRAM_MAX_RELATIVE_ERROR; asserted in the tests). A nearest-rank
// percentile of a merged histogram is the value of the bucket holding the exact percentile, so it carries the same
// bound. Durations up to 2^31 ms (~25 days) take at most 64 + 26 × 32 = 896 bucket indexes.
//
// Text form (the `histogram` column): the non-empty buckets in index order, comma-separated, each the gap from the
// previous index (the first: the index itself) in base 36, followed by `*count` (base 36) when the count is not 1.
// `0,1*3,z` is bucket 0 once, bucket 1 three times, bucket 36 once. Empty: ''.

export const HISTOGRAM_EXACT_BELOW = 64;
const SUB_BITS = 5;
export const HISTOGRAM_SUB_BUCKETS = 1 << SUB_BITS;
/** The largest |reported − actual| / actual for a duration of at least 1 ms (0 ms is exact). */
export const HISTOGRAM_MAX_RELATIVE_ERROR = 1 / (2 * HISTOGRAM_SUB_BUCKETS);

/** Bucket index of a duration in ms (negative counts as 0, fractions are floored). */
export function bucketIndex(ms: number): number {
  const v = ms > 0 ? Math.floor(ms) : 0;
  if (v < HISTOGRAM_EXACT_BELOW) return v;
  // Position of the highest set bit; clz32 is exact below 2^32, log2 beyond (durations that large are not real).
  const e = v < 2 ** 32 ? 31 - Math.clz32(v) : Math.floor(Math.log2(v));
  const width = 2 ** (e - SUB_BITS);
  const sub = Math.floor(v / width) - HISTOGRAM_SUB_BUCKETS;
  return HISTOGRAM_EXACT_BELOW + (e - 6) * HISTOGRAM_SUB_BUCKETS + sub;
}

/** The durations a bucket holds: [low, low + width). */
export function bucketBounds(index: number): { low: number; width: number } {
  if (index < HISTOGRAM_EXACT_BELOW) return { low: index, width: 1 };
  const k = index - HISTOGRAM_EXACT_BELOW;
  const e = 6 + Math.floor(k / HISTOGRAM_SUB_BUCKETS);
  const width = 2 ** (e - SUB_BITS);
  return { low: (HISTOGRAM_SUB_BUCKETS + (k % HISTOGRAM_SUB_BUCKETS)) * width, width };
}

/** The duration a bucket reports: its midpoint (its only value below HISTOGRAM_EXACT_BELOW). */
export function bucketValue(index: number): number {
  const { low, width } = bucketBounds(index);
  return low + Math.floor(width / 2);
}

/** Whether every duration in the bucket is reported as itself. */
export const bucketIsExact = (index: number): boolean => index < HISTOGRAM_EXACT_BELOW;

/** Bucket counts keyed by index. A plain Map: adding a record is one lookup. */
export type BucketCounts = Map<number, number>;

export function addDuration(counts: BucketCounts, ms: number, n = 1): void {
  const i = bucketIndex(ms);
  counts.set(i, (counts.get(i) ?? 0) + n);
}

export function mergeCounts(into: BucketCounts, from: BucketCounts): BucketCounts {
  for (const [i, n] of from) into.set(i, (into.get(i) ?? 0) + n);
  return into;
}

export function encodeHistogram(counts: BucketCounts): string {
  const indexes = [...counts.keys()].filter((i) => counts.get(i)! > 0).sort((a, b) => a - b);
  let out = '';
  let prev = 0;
  for (let k = 0; k < indexes.length; k++) {
    const i = indexes[k]!;
    const n = counts.get(i)!;
    if (k > 0) out += ',';
    out += (i - prev).toString(36);
    if (n !== 1) out += '*' + n.toString(36);
    prev = i;
  }
  return out;
}

/**
 * Calls `add(index, count)` for each bucket of an encoded histogram. Several histograms joined by `;` (as SQL's
 * GROUP_CONCAT / string_agg hands them over, one string for many rows) are read one after the other.
 */
function forEachEncoded(text: string, add: (index: number, count: number) => void): void {
  // Hand-written rather than split/parseInt: chart queries over days decode thousands of these per request, and this
  // loop allocates nothing per entry.
  let index = 0;
  let value = 0;
  let gap = 0;
  let digits = false;
  let inCount = false;
  const n = text.length;
  for (let p = 0; p <= n; p++) {
    const c = p < n ? text.charCodeAt(p) : 59;
    if (c === 44 /* , */ || c === 59 /* ; or the end */) {
      if (digits) {
        if (inCount) add((index += gap), value);
        else add((index += value), 1);
      } else if (inCount || c === 44 || (p > 0 && text.charCodeAt(p - 1) === 44)) {
        throw new SyntaxError(`duration histogram: empty entry at ${p} in ${JSON.stringify(text.slice(0, 80))}`);
      }
      if (c === 59) index = 0;
      value = 0;
      digits = false;
      inCount = false;
    } else if (c === 42 /* * */ && digits && !inCount) {
      gap = value;
      value = 0;
      digits = false;
      inCount = true;
    } else {
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1; // 0-9, a-z
      if (d < 0) throw new SyntaxError(`duration histogram: unexpected ${JSON.stringify(text[p])} at ${p} in ${JSON.stringify(text.slice(0, 80))}`);
      value = value * 36 + d;
      digits = true;
    }
  }
}

/** Adds the counts of an encoded histogram into `into`. */
export function addEncoded(into: BucketCounts, text: string): BucketCounts {
  forEachEncoded(text, (i, c) => into.set(i, (into.get(i) ?? 0) + c));
  return into;
}

/**
 * Bucket counts in a plain array indexed by bucket (zeros where empty, grown to the largest index seen): what readers
 * merge thousands of rows into, several times faster than a Map.
 */
export type DenseCounts = number[];

export const denseCounts = (): DenseCounts => [];

export function addEncodedDense(into: DenseCounts, text: string): DenseCounts {
  forEachEncoded(text, (i, c) => {
    while (i >= into.length) into.push(0);
    into[i] = into[i]! + c;
  });
  return into;
}

/** Each non-empty bucket of dense counts as the duration it reports and its count, shortest first. */
export function denseValues(counts: DenseCounts): { durationMs: number; count: number; exact: boolean }[] {
  const out: { durationMs: number; count: number; exact: boolean }[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) out.push({ durationMs: bucketValue(i), count: counts[i]!, exact: bucketIsExact(i) });
  return out;
}

export const decodeHistogram = (text: string): BucketCounts => addEncoded(new Map(), text);

/** Two encoded histograms added together, encoded. */
export const mergeEncoded = (a: string, b: string): string =>
  a === '' ? b : b === '' ? a : encodeHistogram(addEncoded(decodeHistogram(a), b));

/** Each non-empty bucket as the duration it reports and its count, shortest first. */
export function histogramValues(counts: BucketCounts): { durationMs: number; count: number; exact: boolean }[] {
  return [...counts.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0])
    .map(([i, count]) => ({ durationMs: bucketValue(i), count, exact: bucketIsExact(i) }));
}
