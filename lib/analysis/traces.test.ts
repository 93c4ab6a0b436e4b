import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTrace, TRACE_CLOCK_SKEW_MS, type TraceRecord } from './traces.ts';

const T0 = Date.UTC(2025, 11, 16, 10, 5, 56);
let nextId = 1;
function rec(pod: string, startOffsetMs: number, durationMs: number | null, over: Partial<TraceRecord> = {}): TraceRecord {
  return {
    id: nextId++, requestId: 'rid-1', startTimeMs: T0 + startOffsetMs, startTimeNanos: null, durationMs, upstreamServiceTimeMs: null,
    method: 'GET', path: '/', status: 200, responseFlags: null, source: { namespace: 'shop', pod, container: 'envoy' },
    upstreamHost: null, upstreamCluster: null, upstreamKind: 'pod', upstreamNamespace: 'shop', upstreamPod: null, upstreamService: null,
    downstreamRemoteIp: null, downstreamPod: null, ...over,
  };
}
const parentsOf = (records: TraceRecord[]) => {
  const trace = buildTrace(records);
  return Object.fromEntries(trace.hops.map((h) => [h.record.id, [h.parentId, h.parentBy]]));
};

describe('buildTrace', () => {
  test('a chain through inbound and outbound records: parents by upstream pod, gaps, depth, span, critical path', () => {
    const front = rec('frontend', 0, 100, { upstreamPod: 'api', upstreamCluster: 'api' });
    const apiIn = rec('api', 2, 95, { upstreamPod: 'api', upstreamCluster: 'inbound' }); // its app, over loopback
    const apiOut = rec('api', 10, 60, { upstreamPod: 'db', upstreamCluster: 'db' });
    const apiLog = rec('api', 80, 5, { upstreamPod: 'logger', upstreamKind: 'pod', upstreamCluster: 'logs' });
    const db = rec('db', 12, 50, { upstreamPod: 'db', upstreamCluster: 'inbound' });
    const trace = buildTrace([db, apiLog, apiOut, front, apiIn]);
    assert.deepEqual(trace.hops.map((h) => h.record.id), [front.id, apiIn.id, apiOut.id, db.id, apiLog.id]);
    const hop = (r: TraceRecord) => trace.hops.find((h) => h.record.id === r.id)!;
    assert.deepEqual([hop(apiIn).parentId, hop(apiIn).parentBy, hop(apiIn).confidence], [front.id, 'upstream-pod', 'high']);
    assert.deepEqual([hop(apiOut).parentId, hop(apiOut).parentBy], [apiIn.id, 'upstream-pod'], 'the tighter of two callers of the api pod');
    assert.deepEqual([hop(db).parentId, hop(db).parentBy, hop(db).gapFromParentMs], [apiOut.id, 'upstream-pod', 2]);
    assert.deepEqual([hop(apiLog).parentId, hop(apiLog).parentBy], [apiIn.id, 'upstream-pod']);
    assert.deepEqual([hop(front).parentId, hop(front).parentBy, hop(front).depth], [null, null, 0]);
    assert.deepEqual(trace.hops.map((h) => h.depth), [0, 1, 2, 3, 2]);
    assert.deepEqual(trace.hops.map((h) => h.latencyMs), [100, 95, 60, 50, 5]);
    assert.deepEqual([trace.rootIds, trace.startMs, trace.endMs, trace.spanMs, trace.maxDepth], [[front.id], T0, T0 + 100, 100, 4]);
    assert.deepEqual(trace.criticalPath, [front.id, apiIn.id, apiLog.id]);
    assert.equal(trace.criticalPathDepth, 3);
  });

  test('without an upstream pod, the tightest record containing the hop in time is its parent, with low confidence', () => {
    const outer = rec('frontend', 0, 200, { upstreamKind: 'service', upstreamPod: null, upstreamService: 'api' });
    const inner = rec('gateway', 5, 150, { upstreamKind: 'service', upstreamPod: null });
    const leaf = rec('api', 10, 40, { upstreamPod: null });
    const p = parentsOf([outer, inner, leaf]);
    assert.deepEqual(p[inner.id], [outer.id, 'timing']);
    assert.deepEqual(p[leaf.id], [inner.id, 'timing']);
    // The caller's address names the frontend pod: that record wins over the tighter gateway one.
    const named = rec('api', 10, 40, { upstreamPod: null, downstreamPod: 'frontend' });
    assert.deepEqual(parentsOf([outer, inner, named])[named.id], [outer.id, 'timing']);
    assert.equal(buildTrace([outer, inner, leaf]).hops.find((h) => h.record.id === leaf.id)!.confidence, 'low');
  });

  test('allows a few ms of clock skew, no more', () => {
    const caller = rec('frontend', 100, 50, { upstreamPod: 'api' });
    const skewed = rec('api', 100 - TRACE_CLOCK_SKEW_MS + 1, 45);
    assert.deepEqual(parentsOf([caller, skewed])[skewed.id], [caller.id, 'upstream-pod']);
    const tooEarly = rec('api', 100 - TRACE_CLOCK_SKEW_MS - 20, 45);
    assert.deepEqual(parentsOf([caller, tooEarly])[tooEarly.id], [null, null]);
    const afterEnd = rec('api', 100 + 50 + TRACE_CLOCK_SKEW_MS + 1, 5);
    assert.deepEqual(parentsOf([caller, afterEnd])[afterEnd.id], [null, null]);
  });

  test('sub-millisecond start times order hops that share a millisecond', () => {
    const a = rec('frontend', 0, 10, { startTimeNanos: 900_000, upstreamPod: 'api' });
    const b = rec('api', 0, 5, { startTimeNanos: 950_000 });
    const trace = buildTrace([b, a]);
    assert.deepEqual(trace.hops.map((h) => h.record.id), [a.id, b.id]);
    assert.ok(Math.abs(trace.hops[1]!.gapFromParentMs! - 0.05) < 1e-9);
  });

  test('duplicates: an id given twice is one hop; a record stored twice is marked and never a parent', () => {
    const caller = rec('frontend', 0, 50, { upstreamPod: 'api' });
    const copy = { ...caller, id: nextId++ };
    const callee = rec('api', 5, 20);
    const trace = buildTrace([caller, caller, copy, callee]);
    assert.equal(trace.hops.length, 3);
    const copyHop = trace.hops.find((h) => h.record.id === copy.id)!;
    assert.deepEqual([copyHop.duplicateOf, copyHop.parentId], [caller.id, null], 'a copy is not its original\'s child');
    const nested = rec('api', 6, 10, { upstreamPod: 'api' });
    const nestedCopy = { ...nested, id: nextId++ };
    const hops = buildTrace([caller, callee, nested, nestedCopy]).hops;
    const [original, second] = [nested.id, nestedCopy.id].map((id) => hops.find((h) => h.record.id === id)!);
    assert.deepEqual([second!.parentId, second!.parentBy], [caller.id, 'upstream-pod']);
    assert.deepEqual([second!.parentId, second!.gapFromParentMs], [original!.parentId, original!.gapFromParentMs], 'a copy shares its original\'s parent');
    assert.ok(!hops.some((h) => h.parentId === nestedCopy.id));
    assert.equal(trace.hops.find((h) => h.record.id === callee.id)!.parentId, caller.id);
  });

  test('never builds a cycle, even when two records each name the other pod and share their timing', () => {
    const a = rec('ping', 0, 30, { upstreamPod: 'pong' });
    const b = rec('pong', 0, 30, { upstreamPod: 'ping' });
    const c = rec('ping', 1, 10, { upstreamPod: 'pong', path: '/again' });
    const trace = buildTrace([a, b, c]);
    assert.ok(trace.rootIds.length >= 1);
    for (const hop of trace.hops) {
      const seen = new Set<number>();
      for (let at: number | null = hop.record.id; at !== null; at = trace.hops.find((h) => h.record.id === at)!.parentId) {
        assert.ok(!seen.has(at), 'no hop is its own ancestor');
        seen.add(at);
      }
    }
  });

  test('records without a start time or latency, hostile ids and no records at all do not break it', () => {
    const hostile = `x' OR 1=1; --%_\u0000<script>`;
    const timed = rec('frontend', 0, null, { requestId: hostile, upstreamPod: 'api' });
    const untimed = rec('api', 0, 10, { requestId: hostile, startTimeMs: null });
    const trace = buildTrace([untimed, timed]);
    assert.equal(trace.requestId, hostile);
    assert.deepEqual(trace.hops.map((h) => [h.record.id, h.parentId]), [[timed.id, null], [untimed.id, null]]);
    assert.deepEqual([trace.startMs, trace.endMs, trace.spanMs], [T0, T0, 0]);
    const empty = buildTrace([]);
    assert.deepEqual([empty.requestId, empty.hops, empty.spanMs, empty.criticalPath, empty.maxDepth], [null, [], null, [], 0]);
  });
});
