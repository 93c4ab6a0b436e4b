import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyPercentiles, mergeCounts, percentilesOf } from './percentiles.ts';

test('nearest rank over 1..100 ms once each: p50 = 50, p95 = 95, p99 = 99, p100 = the maximum', () => {
  const counts = Array.from({ length: 100 }, (_, i) => ({ value: i + 1, count: 1 }));
  assert.deepEqual(percentilesOf(counts, [0.5, 0.95, 0.99, 1]), [50, 95, 99, 100]);
  assert.deepEqual(percentilesOf(counts, [0.07, 0.01]), [7, 1], 'no float drift: 0.07 × 100 is rank 7');
});

test('grouped counts give the same answer as the values spelled out, in any order', () => {
  // 50 × 10 ms, 45 × 20 ms, 5 × 1000 ms: rank 50 is the last 10, rank 95 the last 20, rank 99 a 1000.
  const counts = [{ value: 1000, count: 5 }, { value: 10, count: 50 }, { value: 20, count: 45 }];
  assert.deepEqual(latencyPercentiles(counts), { p50: 10, p95: 20, p99: 1000, count: 100 });
  // 51 × 10 ms moves the median nowhere, but 49 makes it a 20.
  assert.equal(latencyPercentiles([{ value: 10, count: 49 }, { value: 20, count: 51 }]).p50, 20);
});

test('one value, no values, zero counts', () => {
  assert.deepEqual(latencyPercentiles([{ value: 7, count: 1 }]), { p50: 7, p95: 7, p99: 7, count: 1 });
  assert.deepEqual(latencyPercentiles([]), { p50: null, p95: null, p99: null, count: 0 });
  assert.deepEqual(latencyPercentiles([{ value: 3, count: 0 }]), { p50: null, p95: null, p99: null, count: 0 });
  assert.throws(() => percentilesOf([], [0]), RangeError);
  assert.throws(() => percentilesOf([], [1.5]), RangeError);
});

test('merging rows of several buckets adds the counts of equal durations', () => {
  const merged = mergeCounts([{ durationMs: 5, count: 2 }, { durationMs: 9, count: 1 }, { durationMs: 5, count: 3 }]);
  assert.deepEqual(merged.sort((a, b) => a.value - b.value), [{ value: 5, count: 5 }, { value: 9, count: 1 }]);
});
