// Read plans: whole periods from rollups, partial edges and uncovered hours from records; the parts tile the range.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../../sample/seeded-random.ts';
import { RollupAccumulator } from './rollup-accumulator.ts';
import { bucketIndex, decodeHistogram, encodeHistogram } from './duration-histogram.ts';
import { planRead, type ReadPlan, type Range } from './rollup-plan.ts';

const M = 60_000;
const H = 60 * M;
const T = Date.UTC(2026, 0, 5); // a midnight

/** Every ms of [from, to) read exactly once: records directly, minutes and hours through their rows. */
function assertTiles(plan: ReadPlan, from: number, to: number): void {
  const pieces: Range[] = [
    ...plan.raw,
    ...plan.minutes.map(([a, b]): Range => [a * M, b * M]),
    ...plan.hours.map(([a, b]): Range => [a * M, b * M]),
  ].sort((a, b) => a[0] - b[0]);
  assert.equal(pieces[0]![0], from);
  for (let i = 1; i < pieces.length; i++) assert.equal(pieces[i]![0], pieces[i - 1]![1], `contiguous at ${i}`);
  assert.equal(pieces.at(-1)![1], to);
  for (const [a, b] of plan.hours) assert.ok(a % 60 === 0 && b % 60 === 0 && a < b);
}

describe('planRead', () => {
  test('edges from records, whole minutes and whole hours from rollups', () => {
    const from = T + 10 * M + 30_000, to = T + 5 * H + 7 * M + 1;
    const plan = planRead(from, to, { grid: null, uncovered: [] })!;
    assert.deepEqual(plan.raw, [[from, T + 11 * M], [T + 5 * H + 7 * M, to]]);
    assert.deepEqual(plan.hours, [[(T + H) / M, (T + 5 * H) / M]]);
    assert.deepEqual(plan.minutes, [[(T + 11 * M) / M, (T + H) / M], [(T + 5 * H) / M, (T + 5 * H + 7 * M) / M]]);
    assertTiles(plan, from, to);
  });

  test('a grid: minute rows only when hours straddle its buckets; none at all below a minute', () => {
    const from = T, to = T + 3 * H;
    const fifteen = planRead(from, to, { grid: { originMs: T, bucketMs: 15 * M }, uncovered: [] })!;
    assert.deepEqual(fifteen, { raw: [], minutes: [[T / M, (T + 3 * H) / M]], hours: [] });
    const twoHours = planRead(from, to, { grid: { originMs: T, bucketMs: 2 * H }, uncovered: [] })!;
    assert.deepEqual(twoHours.hours, [[T / M, (T + 3 * H) / M]]);
    assert.equal(planRead(from, to, { grid: { originMs: T, bucketMs: 30_000 }, uncovered: [] }), null);
    assert.equal(planRead(from, to, { grid: { originMs: T + 1000, bucketMs: M }, uncovered: [] }), null, 'origin off the minute');
  });

  test('short ranges stay on records; open ends stay open', () => {
    assert.equal(planRead(T, T + 20 * M, { grid: null, uncovered: [] }), null);
    assert.equal(planRead(T, T + 30 * M, { grid: null, uncovered: [] }), null, 'half an hour is short');
    assert.ok(planRead(T, T + H, { grid: null, uncovered: [] }), 'an hour (the default window) reads minute rows');
    assert.ok(planRead(T + 1, T + H + 1, { grid: null, uncovered: [], minSpanMs: 0 }));
    assert.equal(planRead(T + 1, T + M + 1, { grid: null, uncovered: [], minSpanMs: 0 }), null, 'no whole minute');
    const open = planRead(-Infinity, Infinity, { grid: null, uncovered: [] })!;
    assert.deepEqual(open, { raw: [], minutes: [], hours: [[-Infinity, Infinity]] });
    const since = planRead(T + 90_000, Infinity, { grid: { originMs: T, bucketMs: M }, uncovered: [] })!;
    assert.deepEqual(since, { raw: [[T + 90_000, T + 2 * M]], minutes: [[T / M + 2, Infinity]], hours: [] });
  });

  test('uncovered ranges, widened to whole hours, are read from records', () => {
    const from = T, to = T + 10 * H;
    const plan = planRead(from, to, { grid: null, uncovered: [[T + 2 * H + 5 * M, T + 3 * H + 1]] })!;
    assert.deepEqual(plan.raw, [[T + 2 * H, T + 4 * H]]);
    assert.deepEqual(plan.hours, [[T / M, (T + 2 * H) / M], [(T + 4 * H) / M, (T + 10 * H) / M]]);
    assertTiles(plan, from, to);
    assert.equal(planRead(from, to, { grid: null, uncovered: [[-Infinity, T + 9 * H + 30 * M]] }), null, 'no covered minute is left');
  });

  test('random ranges, grids and gaps always tile the range', () => {
    const rand = seededRandom(3);
    const grids = [null, { originMs: 0, bucketMs: M }, { originMs: 0, bucketMs: 15 * M }, { originMs: 0, bucketMs: 2 * H }, { originMs: 0, bucketMs: 12 * 60_000 }];
    for (let k = 0; k < 500; k++) {
      const from = T + Math.floor(rand() * 48 * H);
      const to = from + 1 + Math.floor(rand() * 72 * H);
      const uncovered: Range[] = rand() < 0.5 ? [] : [[T + Math.floor(rand() * 100 * H), T + Math.floor(rand() * 100 * H)]];
      const plan = planRead(from, to, { grid: grids[k % grids.length]!, uncovered, minSpanMs: 0 });
      if (plan) assertTiles(plan, from, to);
    }
  });
});

describe('RollupAccumulator', () => {
  const rec = (startTime: number | null, o: Partial<{ status: number | null; durationMs: number | null; host: string | null; flags: string | null }> = {}) => ({
    startTime, durationMs: o.durationMs === undefined ? 10 : o.durationMs, status: o.status === undefined ? 200 : o.status,
    responseFlags: o.flags ?? null, upstreamCluster: 'backend', upstreamHost: o.host === undefined ? '10.0.0.1:80' : o.host, upstreamIp: '10.0.0.1',
  });

  test('minute deltas per dimension tuple, hour deltas their sums; records without a start time are skipped', () => {
    const acc = new RollupAccumulator();
    acc.add(1, rec(T + 1000), { upstreamKind: 'pod', upstreamNamespace: 'default', upstreamPod: 'backend-1', upstreamService: null, upstreamAmbiguous: true });
    acc.add(1, rec(T + 2000, { durationMs: null }), { upstreamKind: 'pod', upstreamNamespace: 'default', upstreamPod: 'backend-1', upstreamService: null, upstreamAmbiguous: false });
    acc.add(1, rec(T + M + 5, { status: null, host: null, flags: 'UH' }));
    acc.add(2, rec(T + 2 * M, { durationMs: 100 }));
    acc.add(1, rec(null));
    assert.equal(acc.size, 4);
    const deltas = acc.deltas();
    const minutes = deltas.filter((d) => d.periodMinutes === 1);
    const hours = deltas.filter((d) => d.periodMinutes === 60);
    assert.deepEqual(minutes.map((d) => [d.periodStart - T / M, d.sourceId, d.status, d.upstreamHost, d.upstreamPod, d.responseFlags, d.records, d.ambiguous, d.timed, d.durationSumMs]), [
      [0, 1, 200, '10.0.0.1:80', 'backend-1', '', 2, 1, 1, 10],
      [1, 1, -1, '', '', 'UH', 1, 0, 1, 10],
      [2, 2, 200, '10.0.0.1:80', '', '', 1, 0, 1, 100],
    ]);
    assert.equal(hours.length, 3, 'the three tuples differ, so three hour rows');
    assert.ok(hours.every((h) => h.periodStart === T / M));
    assert.deepEqual([...hours[2]!.histogram], [[bucketIndex(100), 1]]);
    assert.deepEqual(decodeHistogram(encodeHistogram(hours[0]!.histogram)), new Map([[10, 1]]), 'the untimed record adds no duration');
  });

  test('text that looks like a separator does not merge distinct tuples', () => {
    const acc = new RollupAccumulator();
    acc.add(1, { ...rec(T), upstreamCluster: 'a|b', upstreamHost: 'c' });
    acc.add(1, { ...rec(T), upstreamCluster: 'a', upstreamHost: 'b|c' });
    acc.add(1, { ...rec(T), upstreamCluster: '1:a', upstreamHost: '' });
    acc.add(1, { ...rec(T), upstreamCluster: '', upstreamHost: '1:a' });
    assert.equal(acc.deltas().filter((d) => d.periodMinutes === 1).length, 4);
  });
});
