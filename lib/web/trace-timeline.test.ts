import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTrace, type TraceRecord } from '../analysis/traces.ts';
import { formatMs, tickStep, traceTimeline } from './trace-timeline.ts';

const T0 = Date.UTC(2025, 11, 16, 10, 5, 56);

function record(id: number, pod: string, offsetMs: number | null, durationMs: number | null, over: Partial<TraceRecord> = {}): TraceRecord {
  return {
    id, requestId: 'r-1', startTimeMs: offsetMs === null ? null : T0 + offsetMs, durationMs, upstreamServiceTimeMs: null,
    method: 'GET', path: '/checkout', status: 200, responseFlags: null,
    source: { namespace: 'shop', pod, container: 'envoy' }, upstreamHost: null, upstreamCluster: null, upstreamKind: null,
    upstreamNamespace: null, upstreamPod: null, upstreamService: null, downstreamRemoteIp: null, downstreamPod: null, ...over,
  };
}

test('tick steps are 1, 2 or 5 times a power of ten, at most five intervals', () => {
  assert.deepEqual([1, 7, 10, 120, 999, 1000, 0.3].map((s) => tickStep(s)), [0.2, 2, 2, 50, 200, 200, 0.1]);
  assert.equal(tickStep(0), 1);
  assert.deepEqual([12, 0.25, 3.14159, 120.56].map(formatMs), ['12 ms', '0.25 ms', '3.14 ms', '120.6 ms']);
});

test('rows in call order, indented by depth, bars offset by start and as long as the latency', () => {
  // frontend (0..100) calls api (20..80) by upstream pod; api calls db (30..60); a sidecar-less hop with no time.
  const trace = buildTrace([
    record(3, 'db', 30, 30),
    record(1, 'frontend', 0, 100, { upstreamKind: 'pod', upstreamPod: 'api', upstreamNamespace: 'shop', upstreamHost: '10.0.0.2:8080' }),
    record(2, 'api', 20, 60, { upstreamKind: 'service', upstreamService: 'db', upstreamHost: '10.96.0.9:5432', status: 503 }),
    record(4, 'batch', null, 5),
  ]);
  const t = traceTimeline(trace);
  assert.equal(t.spanMs, 100);
  assert.deepEqual(t.rows.map((r) => [r.hop.record.id, r.depth, r.offsetMs, r.leftPct, r.widthPct]), [
    [1, 0, 0, 0, 100], [2, 1, 20, 20, 60], [3, 2, 30, 30, 30], [4, 0, null, 0, 0],
  ]);
  assert.deepEqual(t.rows.map((r) => r.guessedParent), [false, false, true, false], 'db is under api by timing only');
  assert.equal(t.rows[0]!.upstream, 'api (10.0.0.2:8080)');
  assert.equal(t.rows[1]!.upstream, 'Service db (10.96.0.9:5432)');
  assert.equal(t.rows[1]!.request, 'GET /checkout 503 · 60 ms');
  assert.equal(t.rows[3]!.source, 'shop/batch');
  assert.deepEqual(t.rows.filter((r) => r.critical).map((r) => r.hop.record.id), [1, 2, 3]);
  assert.deepEqual(t.ticks.map((k) => [k.ms, k.pct]), [[0, 0], [20, 20], [40, 40], [60, 60], [80, 80], [100, 100]]);
});

test('a single hop of zero latency, and bars never run past the end', () => {
  const one = traceTimeline(buildTrace([record(1, 'a', 0, 0)]));
  assert.equal(one.spanMs, 1);
  assert.deepEqual([one.rows[0]!.leftPct, one.rows[0]!.widthPct], [0, 0]);
  const late = traceTimeline(buildTrace([record(1, 'a', 0, 10), record(2, 'b', 8, null)]));
  for (const r of late.rows) assert.ok(r.leftPct + r.widthPct <= 100);
  assert.equal(late.rows.find((r) => r.hop.record.id === 2)!.request, 'GET /checkout 200 · ? ms');
});
