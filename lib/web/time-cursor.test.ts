// The Requests page's `before` parameter: written by the Older link, read back, and anything else refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimeCursor, timeCursorSchema } from './time-cursor.ts';

test('round trip: timed and untimed positions', () => {
  for (const c of [{ startMs: 1796150939123, id: 4567 }, { startMs: null, id: 12 }, { startMs: -5, id: 1 }, { startMs: 1796029200000, id: 0 }]) {
    assert.deepEqual(timeCursorSchema.parse(formatTimeCursor(c)), c);
  }
  assert.equal(formatTimeCursor({ startMs: null, id: 12 }), 'untimed_12');
});

test('refused with a message naming the expected form', () => {
  for (const bad of ['abc', '123', '12_00', '12_01', 'untimed_0x', '12_-3', '1.5_3', '99999999999999999_1', '1_99999999999999999', '']) {
    const r = timeCursorSchema.safeParse(bad);
    assert.equal(r.success, false, bad);
  }
  assert.match(timeCursorSchema.safeParse('123').error!.issues[0]!.message, /<start ms>_<record id>/);
  assert.match(timeCursorSchema.safeParse('9999999999999999_1').error!.issues[0]!.message, /out of range/);
});
