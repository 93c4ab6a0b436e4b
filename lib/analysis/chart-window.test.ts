import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketWidthFor, chartWindow, filterWindow, hourlyPoints } from './chart-window.ts';

test('round bucket widths give 48–120 points for the ranges the dashboard offers; whole minutes past half an hour', () => {
  const cases: [number, number][] = [[15 * 60_000, 10_000], [30 * 60_000, 15_000], [6 * 3_600_000, 5 * 60_000], [86_400_000, 15 * 60_000], [7 * 86_400_000, 2 * 3_600_000]];
  for (const [span, width] of cases) {
    assert.equal(bucketWidthFor(span), width, `span ${span}`);
    assert.ok(span / width >= 48 && span / width <= 120);
  }
  // The minute rollups answer these: 31 to 60 points.
  assert.equal(bucketWidthFor(31 * 60_000), 60_000);
  assert.equal(bucketWidthFor(3_600_000), 60_000);
  assert.equal(bucketWidthFor(5_000), 1_000, 'a second at least');
  assert.equal(bucketWidthFor(3_600_000, 60), 60_000);
});

test('buckets start on a multiple of their width and cover the window', () => {
  const w = chartWindow(1_000_005_000, 1_000_005_000 + 1_800_000);
  assert.equal(w.bucketMs, 15_000);
  assert.equal(w.originMs, 1_000_005_000);
  assert.ok(w.originMs <= w.fromMs && w.originMs + w.buckets * w.bucketMs >= w.toMs);
  assert.equal(w.buckets, 120);
  const hour = chartWindow(1_000_005_000, 1_000_005_000 + 3_600_000);
  assert.deepEqual([hour.bucketMs, hour.originMs, hour.buckets], [60_000, 999_960_000, 61]);
  assert.throws(() => chartWindow(5, 5), RangeError);
});

test("a filter's window narrowed to its records, the last one inside", () => {
  assert.deepEqual(filterWindow({ since: 10, until: 20 }, { firstMs: 12, lastMs: 15 }), { fromMs: 12, toMs: 16 });
  assert.deepEqual(filterWindow({ since: 10, until: 20 }, { firstMs: 10, lastMs: 19 }), { fromMs: 10, toMs: 20 });
  assert.deepEqual(filterWindow({}, { firstMs: 12, lastMs: 15 }), { fromMs: 12, toMs: 16 });
  assert.deepEqual(filterWindow({}, { firstMs: 12, lastMs: 12 }), { fromMs: 12, toMs: 13 });
});

test('hourly points: past 12 h, buckets of whole hours (a day in hours, a week in 2 h); up to 12 h as before', () => {
  const H = 3_600_000;
  const width = (span: number, max: number) => chartWindow(0, span, hourlyPoints(span, max)).bucketMs;
  assert.equal(width(24 * H, 120), H);
  assert.equal(width(24 * H + 1, 60), H);
  assert.equal(width(7 * 24 * H, 120), 2 * H);
  assert.equal(width(7 * 24 * H, 60), 3 * H);
  assert.equal(width(12 * H, 120), 10 * 60_000, '12 h itself keeps minute buckets');
  assert.equal(hourlyPoints(6 * H, 120), 120);
});
