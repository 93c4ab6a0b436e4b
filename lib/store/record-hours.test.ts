// Where the Requests page starts reading, from per-hour counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOUR_MS } from './rollup/rollup-accumulator.ts';
import { pageWindowStart } from './record-hours.ts';

const H = (i: number) => i * HOUR_MS;
const hours = new Map([[H(10), 40], [H(9), 70], [H(5), 30], [H(2), 1]]);

test('from the newest: the newest hours holding a full page', () => {
  assert.equal(pageWindowStart(hours, undefined, 40), H(10));
  assert.equal(pageWindowStart(hours, undefined, 101), H(9));
  assert.equal(pageWindowStart(hours, undefined, 140), H(5));
});

test('fewer than a page in all: the oldest hour holding any; none at all: null', () => {
  assert.equal(pageWindowStart(hours, undefined, 1000), H(2));
  assert.equal(pageWindowStart(new Map(), undefined, 101), null);
});

test("after a cursor: the cursor's own hour is read but not counted, newer hours are skipped", () => {
  // Cursor inside hour 9: hour 9 may still hold older records, so it is read; hours 5 and 2 are counted.
  assert.equal(pageWindowStart(hours, H(9) + 1234, 30), H(5));
  assert.equal(pageWindowStart(hours, H(9) + 1234, 31), H(2));
  // Nothing older than the cursor's hour: read just that hour.
  assert.equal(pageWindowStart(new Map([[H(9), 70]]), H(9) + 5, 101), H(9));
  // A cursor in an hour the counts do not hold (they hold only older ones).
  assert.equal(pageWindowStart(hours, H(7) + 5, 20), H(5));
});
