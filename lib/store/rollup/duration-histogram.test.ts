// The rollups' duration histogram: exact below 64 ms, within 1/64 above, text form round trips, merging adds counts,
// and percentiles of merged histograms stay within the bound of the exact ones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../../sample/seeded-random.ts';
import { latencyPercentiles, mergeCounts as mergeValueCounts, percentilesOf } from '../../analysis/percentiles.ts';
import {
  addDuration, addEncodedDense, bucketBounds, denseCounts, bucketIndex, bucketValue, decodeHistogram, encodeHistogram, HISTOGRAM_MAX_RELATIVE_ERROR,
  histogramValues, mergeCounts, mergeEncoded, type BucketCounts,
} from './duration-histogram.ts';

const histogramOf = (values: number[]): BucketCounts => {
  const h: BucketCounts = new Map();
  for (const v of values) addDuration(h, v);
  return h;
};

describe('duration histogram', () => {
  test('durations below 64 ms are their own bucket; above, the bucket holds the duration and reports within 1/64', () => {
    for (let v = 0; v < 64; v++) assert.equal(bucketValue(bucketIndex(v)), v);
    assert.equal(HISTOGRAM_MAX_RELATIVE_ERROR, 1 / 64);
    let worst = 0;
    const check = (v: number) => {
      const i = bucketIndex(v);
      const { low, width } = bucketBounds(i);
      assert.ok(low <= v && v < low + width, `${v} in [${low}, ${low + width})`);
      worst = Math.max(worst, Math.abs(bucketValue(i) - v) / v);
    };
    for (let v = 64; v < 70_000; v++) check(v);
    for (const v of [2 ** 20 - 1, 2 ** 20, 2 ** 31 - 1, 2 ** 31, 2 ** 40 + 12345]) check(v);
    assert.ok(worst <= HISTOGRAM_MAX_RELATIVE_ERROR + 1e-12, `worst relative error ${worst}`);
    assert.ok(worst > 0.015, 'the bound is tight, not loose');
    // Consecutive indexes: buckets tile the durations without gaps.
    for (let i = 64; i < 600; i++) assert.equal(bucketBounds(i).low + bucketBounds(i).width, bucketBounds(i + 1).low);
    assert.equal(bucketIndex(-5), 0);
    assert.equal(bucketIndex(12.9), 12);
  });

  test('text form: sparse, in index order, round trips', () => {
    assert.equal(encodeHistogram(new Map()), '');
    assert.deepEqual(decodeHistogram(''), new Map());
    const h = histogramOf([0, 1, 1, 1, 36, 5000, 5000, 15_000]);
    const text = encodeHistogram(h);
    assert.match(text, /^0,1\*3,z,/);
    assert.deepEqual(decodeHistogram(text), h);
    const rand = seededRandom(7);
    for (let k = 0; k < 50; k++) {
      const values = Array.from({ length: Math.floor(rand() * 500) }, () => Math.floor(Math.exp(rand() * 12)));
      const g = histogramOf(values);
      assert.deepEqual(decodeHistogram(encodeHistogram(g)), g);
    }
    for (const bad of ['1,X', '1,,2', '1*', '*3', '1**2', ',1', '1,', '1,;2']) assert.throws(() => decodeHistogram(bad), SyntaxError, bad);
    // Several histograms joined by ';' (GROUP_CONCAT): each read from index 0, their counts added.
    const joined = [histogramOf([5, 70]), new Map(), histogramOf([5, 900, 900])].map(encodeHistogram).join(';');
    assert.deepEqual(decodeHistogram(joined), histogramOf([5, 5, 70, 900, 900]));
    const dense = addEncodedDense(denseCounts(), joined);
    assert.deepEqual(dense.flatMap((n, i) => (n ? [[i, n]] : [])), [...histogramOf([5, 5, 70, 900, 900])].sort((a, b) => a[0] - b[0]));
  });

  test('merging adds counts, whether decoded or as text', () => {
    const a = [3, 3, 70, 900, 900, 12_000];
    const b = [3, 71, 901, 40_000];
    const merged = mergeCounts(histogramOf(a), histogramOf(b));
    assert.deepEqual(merged, histogramOf([...a, ...b]));
    assert.equal(mergeEncoded(encodeHistogram(histogramOf(a)), encodeHistogram(histogramOf(b))), encodeHistogram(histogramOf([...a, ...b])));
    assert.equal(mergeEncoded('', encodeHistogram(histogramOf(b))), encodeHistogram(histogramOf(b)));
  });

  test('percentiles of merged histograms are within 1/64 of the exact ones (seeded, many shapes)', () => {
    const rand = seededRandom(42);
    const ps = [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];
    for (let k = 0; k < 200; k++) {
      // Log-normal-ish with a slow tail, split over several "rows" merged afterwards.
      const n = 1 + Math.floor(rand() * 3000);
      const values = Array.from({ length: n }, () => Math.round(Math.exp(rand() * 4 + (rand() < 0.05 ? 4 : 0)) * (1 + rand())));
      const parts = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => [] as number[]);
      values.forEach((v) => parts[Math.floor(rand() * parts.length)]!.push(v));
      const merged = parts.map((p) => encodeHistogram(histogramOf(p))).reduce(mergeEncoded, '');
      const approx = percentilesOf(histogramValues(decodeHistogram(merged)).map((r) => ({ value: r.durationMs, count: r.count })), ps);
      const exact = percentilesOf(mergeValueCounts(values.map((v) => ({ durationMs: v, count: 1 }))), ps);
      ps.forEach((p, i) => {
        const e = exact[i]!, a = approx[i]!;
        assert.ok(Math.abs(a - e) <= e * HISTOGRAM_MAX_RELATIVE_ERROR, `p${p * 100} of ${n}: ${a} vs exact ${e}`);
        if (e < 64) assert.equal(a, e, 'exact below 64 ms');
      });
    }
    assert.deepEqual(latencyPercentiles(histogramValues(histogramOf([5, 5, 9])).map((r) => ({ value: r.durationMs, count: r.count }))), { p50: 5, p95: 9, p99: 9, count: 3 });
  });
});
