// Pearson's chi-square goodness-of-fit test, for "did each pod get the share it should have". The distribution
// function comes from stdlib (@stdlib/stats-base-dists-chisquare-cdf); this file only forms the statistic, pools
// categories too small for the approximation, and turns the CDF into an upper-tail p-value.
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';

/** Categories expected to get fewer than this many records are pooled into one (the usual rule of thumb: the
 * chi-square approximation is poor for small expected counts, and one pod ready for a few seconds would otherwise
 * dominate the statistic). */
export const MIN_EXPECTED_PER_CATEGORY = 5;

/** P(X >= statistic) for X ~ chi-square with `df` degrees of freedom. 1 for a statistic of 0 or less. */
export function chiSquarePValue(statistic: number, df: number): number {
  if (!(df > 0) || !Number.isFinite(df)) throw new RangeError(`chi-square p-value: degrees of freedom must be positive, got ${df}`);
  if (Number.isNaN(statistic)) throw new RangeError('chi-square p-value: the statistic is NaN');
  if (statistic <= 0) return 1;
  if (statistic === Infinity) return 0;
  // 1 - CDF loses precision below ~1e-16 and reads 0 there; every threshold envoy-lens uses is far above that.
  const p = 1 - chisquareCdf(statistic, df);
  return Math.min(1, Math.max(0, p));
}

export interface GoodnessOfFit {
  /** Pearson's statistic: the sum over categories of (observed - expected)² / expected. */
  statistic: number;
  /** Categories compared, minus one. */
  df: number;
  pValue: number;
  /** How many of the given categories were pooled into one because each expected fewer than the minimum. */
  pooled: number;
}

/**
 * Pearson's goodness-of-fit test of observed counts against expected counts (the same order, the same total).
 * Categories with expected 0 are left out (they must have observed 0 too for the test to make sense; the caller keeps
 * records outside the expectation away from here). Categories expected below `minExpected` are summed into one. Null
 * when fewer than two categories remain: there is nothing to compare.
 */
export function pearsonGoodnessOfFit(observed: readonly number[], expected: readonly number[], minExpected = MIN_EXPECTED_PER_CATEGORY): GoodnessOfFit | null {
  if (observed.length !== expected.length) throw new RangeError('goodness of fit: observed and expected differ in length');
  const categories: { observed: number; expected: number }[] = [];
  const pool = { observed: 0, expected: 0 };
  let pooled = 0;
  observed.forEach((o, i) => {
    const e = expected[i] ?? 0;
    if (!(e > 0)) return;
    if (e < minExpected) {
      pool.observed += o;
      pool.expected += e;
      pooled += 1;
    } else {
      categories.push({ observed: o, expected: e });
    }
  });
  if (pooled > 0) categories.push(pool);
  if (categories.length < 2) return null;
  let statistic = 0;
  for (const c of categories) statistic += (c.observed - c.expected) ** 2 / c.expected;
  const df = categories.length - 1;
  return { statistic, df, pValue: chiSquarePValue(statistic, df), pooled };
}

/** Fewer tested records than this: no p-value (the sample says nothing either way). */
export const MIN_RECORDS_FOR_TEST = 30;

/** How far a slice's split is from its expectation. Every number is finite or null, so the value is JSON-safe. */
export interface Imbalance {
  /** Busiest over quietest tested/expected ratio, over pods expected at least MIN_EXPECTED_PER_CATEGORY records;
   * null when fewer than two such pods, or when one of them got nothing (then `zeroPod` is set: the ratio is
   * infinite). */
  maxMinRatio: number | null;
  zeroPod: boolean;
  chiSquare: number | null;
  df: number | null;
  pValue: number | null;
  /** Pods expected so few records that they were pooled into one category for the test. */
  pooledPods: number;
  /** Why there is no p-value; null when there is one. */
  reason: string | null;
}

/**
 * The imbalance of one slice: pods with their tested (ready-time) records and expected records (null: no expectation,
 * when `expectationReason` says why). Ratios leave out pods expected very few records: one ready for a few seconds
 * would swing the ratio on a handful of requests.
 */
export function imbalanceOf(pods: readonly { tested: number; expected: number | null }[], tested: number, expectationReason: string | null): Imbalance {
  const none = { maxMinRatio: null, zeroPod: false, chiSquare: null, df: null, pValue: null, pooledPods: 0 };
  if (expectationReason !== null) return { ...none, reason: expectationReason };
  const withExpected = pods.filter((p): p is { tested: number; expected: number } => p.expected !== null && p.expected > 0);
  const big = withExpected.filter((p) => p.expected >= MIN_EXPECTED_PER_CATEGORY);
  const ratios = big.map((p) => p.tested / p.expected);
  const zeroPod = big.some((p) => p.tested === 0);
  const maxMinRatio = ratios.length >= 2 && !zeroPod ? Math.max(...ratios) / Math.min(...ratios) : null;
  const base = { ...none, maxMinRatio, zeroPod };
  if (tested === 0) return { ...base, reason: 'No records to ready endpoints' };
  if (tested < MIN_RECORDS_FOR_TEST) return { ...base, reason: `Too few records to ready endpoints for a test (${tested} < ${MIN_RECORDS_FOR_TEST})` };
  if (withExpected.length < 2) return { ...base, reason: 'Only one ready endpoint: nothing to compare' };
  const fit = pearsonGoodnessOfFit(withExpected.map((p) => p.tested), withExpected.map((p) => p.expected));
  if (!fit) return { ...base, reason: 'Too few records per endpoint for a test (every pod expected fewer than ' + MIN_EXPECTED_PER_CATEGORY + ')' };
  return { ...base, chiSquare: fit.statistic, df: fit.df, pValue: fit.pValue, pooledPods: fit.pooled > 1 ? fit.pooled : 0, reason: null };
}
