// Retention values as users write them (flags and environment), and the batch pacing, without a database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retentionFromEnv } from '../settings.ts';
import { DEFAULT_RETENTION, formatRetention, parseRetention, prune, type PruneStep, type RetentionStore } from './retention-store.ts';

const M = 60_000, H = 60 * M, D = 24 * H;

test('durations: minutes, hours, days; 0 and off keep for ever', () => {
  assert.equal(parseRetention('--retain-records', '90m'), 90 * M);
  assert.equal(parseRetention('--retain-records', '36h'), 36 * H);
  assert.equal(parseRetention('--retain-records', '7d'), 7 * D);
  assert.equal(parseRetention('--retain-records', ' 400D '), 400 * D);
  for (const forever of ['0', 'off', 'OFF', ' off ']) assert.equal(parseRetention('--retain-records', forever), null);
  for (const ms of [90 * M, 36 * H, 7 * D, 400 * D, null]) assert.equal(parseRetention('x', formatRetention(ms)), ms);
  assert.equal(formatRetention(48 * H), '2d');
});

test('anything else is refused with the flag or variable named', () => {
  for (const bad of ['', '7', '7x', '1y', '-1d', '1.5d', '7 d', '0d', '30s', 'P7D', 'forever', '99999999d', '3661d']) {
    assert.throws(() => parseRetention('--retain-minute-rollups', bad), (e: Error) => {
      assert.match(e.message, /^--retain-minute-rollups "/, bad);
      assert.match(e.message, /90m, 36h, 7d\), or 0 \/ off to keep forever/);
      return true;
    }, bad);
  }
  assert.throws(() => parseRetention('--retain-records', '0d'), /to keep forever, say 0 or off/);
});

test('the environment: each variable on its own over the defaults; a bad one names itself', () => {
  assert.deepEqual(retentionFromEnv({}), DEFAULT_RETENTION);
  assert.deepEqual(DEFAULT_RETENTION, { records: 7 * D, minuteRollups: 30 * D, hourRollups: 400 * D });
  assert.deepEqual(retentionFromEnv({ ENVOY_LENS_RETAIN_RECORDS: '36h', ENVOY_LENS_RETAIN_HOUR_ROLLUPS: 'off' }), { records: 36 * H, minuteRollups: 30 * D, hourRollups: null });
  assert.throws(() => retentionFromEnv({ ENVOY_LENS_RETAIN_MINUTE_ROLLUPS: '2w' }), /^Error: bad environment variable ENVOY_LENS_RETAIN_MINUTE_ROLLUPS "2w": expected/);
});

/** A store whose every step has `rows` rows to delete and whose batches take `batchMs`. */
function fakeStore(rows: Partial<Record<PruneStep, number>>, batchMs = 0) {
  const left = { ...rows };
  const calls: { step: PruneStep; limit: number; at: number }[] = [];
  const store: RetentionStore = {
    hasTable: async (step) => step !== 'hourRollups',
    countOlder: async (step) => left[step] ?? 0,
    deleteOlder: async (step, _cutoff, limit) => {
      calls.push({ step, limit, at: performance.now() });
      const end = performance.now() + batchMs;
      while (performance.now() < end) { /* a batch holding the lock */ }
      const n = Math.min(limit, left[step] ?? 0);
      left[step] = (left[step] ?? 0) - n;
      return n;
    },
    close: async () => {},
  };
  return { store, calls };
}

test('pacing: batches shrink when slow and grow when quick, never past the limit, with a pause after each', async () => {
  const slow = fakeStore({ records: 3000 }, 30);
  const r = await prune(slow.store, DEFAULT_RETENTION, { targetBatchMs: 20, pauseMs: 5, maxBatch: 2000 });
  const sizes = slow.calls.filter((c) => c.step === 'records').map((c) => c.limit);
  assert.equal(sizes[0], 1000);
  assert.ok(sizes.every((s, i) => i === 0 || s === Math.max(50, Math.floor(sizes[i - 1]! / 2))), `halved after each slow batch: ${sizes}`);
  // Between two batches, at least as long as the batch took (30 ms).
  for (let i = 1; i < slow.calls.length; i++) assert.ok(slow.calls[i]!.at - slow.calls[i - 1]!.at >= 59, `gap ${slow.calls[i]!.at - slow.calls[i - 1]!.at}`);
  assert.equal(r.steps.find((s) => s.step === 'hourRollups')!.skipped, 'no such table');
  const quick = fakeStore({ records: 20_000 });
  await prune(quick.store, DEFAULT_RETENTION, { pauseMs: 0 });
  const grown = quick.calls.filter((c) => c.step === 'records').map((c) => c.limit);
  assert.deepEqual(grown.slice(0, 4), [1000, 2000, 4000, 5000]);
  assert.ok(grown.every((s) => s <= 5000));
});

test('a signal stops between batches', async () => {
  const f = fakeStore({ records: 100_000 }, 2);
  const stop = new AbortController();
  const run = prune(f.store, DEFAULT_RETENTION, { pauseMs: 20, signal: stop.signal, maxBatch: 100 });
  setTimeout(() => stop.abort(), 100);
  const r = await run;
  assert.equal(r.aborted, true);
  assert.ok(f.calls.length < 20, `${f.calls.length} batches before the stop`);
});
