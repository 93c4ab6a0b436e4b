import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartWindow } from './chart-window.ts';
import { statusClassOf, trafficSeries } from './traffic-series.ts';

test('status classes: 1xx..5xx, and none for no response', () => {
  assert.deepEqual([101, 200, 304, 404, 503, null, 0].map(statusClassOf), ['1xx', '2xx', '3xx', '4xx', '5xx', 'none', 'none']);
});

test('per bucket: requests, errors (5xx and no response), classes and flags; empty buckets are zeros', () => {
  const window = chartWindow(0, 3000, 3); // three buckets of a second
  assert.equal(window.buckets, 3);
  const series = trafficSeries([
    { bucket: 0, status: 200, responseFlags: null, count: 8 },
    { bucket: 0, status: 503, responseFlags: 'UF,URX', count: 2 },
    { bucket: 2, status: null, responseFlags: 'DC', count: 1 },
    { bucket: 2, status: 404, responseFlags: 'NR', count: 3 },
    { bucket: 2, status: 503, responseFlags: 'UF', count: 1 },
    { bucket: 9, status: 200, responseFlags: null, count: 100 }, // outside the window: ignored
  ], window);
  assert.deepEqual(series.points.map((p) => [p.t, p.requests, p.errors, p['2xx'], p['4xx'], p['5xx'], p.none]), [
    [0, 10, 2, 8, 0, 2, 0],
    [1000, 0, 0, 0, 0, 0, 0],
    [2000, 5, 2, 0, 3, 1, 1],
  ]);
  assert.equal(series.requests, 15);
  assert.equal(series.errors, 4);
  assert.deepEqual(series.byClass, { '1xx': 0, '2xx': 8, '3xx': 0, '4xx': 3, '5xx': 3, none: 1 });
  assert.deepEqual(series.statusCodes.map((c) => [c.status, c.count]), [[200, 8], [404, 3], [503, 3], [null, 1]], 'most first, ties by code');
  assert.deepEqual(series.flags.map((f) => [f.flag, f.count]), [['NR', 3], ['UF', 3], ['URX', 2], ['DC', 1]], 'each flag of UF,URX counted');
  assert.equal(series.flags.find((f) => f.flag === 'UF')?.meaning, 'Upstream connection failure (503)');
  // Keyed by place in `flags` (NR, UF, URX, DC), never by the flag text itself.
  assert.deepEqual(series.flagPoints[0], { t: 0, f0: 0, f1: 2, f2: 2, f3: 0 });
  assert.deepEqual(series.flagPoints[2], { t: 2000, f0: 3, f1: 1, f2: 0, f3: 1 });
});
