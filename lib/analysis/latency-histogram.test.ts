import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyHistogram } from './latency-histogram.ts';

test('1-2-5 bins from the shortest duration to the longest, empty ones kept', () => {
  const bins = latencyHistogram([{ value: 3, count: 2 }, { value: 4, count: 1 }, { value: 12, count: 5 }, { value: 20, count: 1 }, { value: 49, count: 1 }]);
  assert.deepEqual(bins, [
    { fromMs: 2, toMs: 5, count: 3 },
    { fromMs: 5, toMs: 10, count: 0 },
    { fromMs: 10, toMs: 20, count: 5 },
    { fromMs: 20, toMs: 50, count: 2 },
  ]);
});

test('0 ms has its own bin; long durations climb the decades', () => {
  const bins = latencyHistogram([{ value: 0, count: 4 }, { value: 1, count: 1 }, { value: 1500, count: 1 }]);
  assert.deepEqual(bins.map((b) => [b.fromMs, b.toMs, b.count]), [
    [0, 1, 4], [1, 2, 1], [2, 5, 0], [5, 10, 0], [10, 20, 0], [20, 50, 0], [50, 100, 0], [100, 200, 0], [200, 500, 0], [500, 1000, 0], [1000, 2000, 1],
  ]);
  assert.deepEqual(latencyHistogram([]), []);
});
