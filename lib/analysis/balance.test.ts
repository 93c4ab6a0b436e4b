import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LbPolicy } from '../envoy/config/types.ts';
import type { EndpointRow, IpRow, TrafficCell } from './analysis-input.ts';
import { balanceFindings, idleEndpointFindings, imbalanceFindings } from './balance-findings.ts';
import { balanceReport, type BalanceInput, type BalanceReport, type SourceBalance } from './balance.ts';
import { chiSquarePValue, pearsonGoodnessOfFit } from './chi-square.ts';

const S0 = 1_700_000_040; // epoch seconds, a whole minute
const MS0 = S0 * 1000;
const CLUSTER = 'backend_cluster';
const SVC = 'backend-headless-service';
const SOURCE = { sourceNamespace: 'default', sourcePod: 'nginx-test-1' };

const ipOf: Record<string, string> = { a: '10.0.0.1', b: '10.0.0.2', c: '10.0.0.3', d: '10.0.0.4' };

/** `count` records from the source to pod `pod` at second S0 + `at`. */
function toPod(pod: string, at: number, count: number, extra: Partial<TrafficCell> = {}): TrafficCell {
  return {
    ...SOURCE, cluster: CLUSTER, upstreamIp: ipOf[pod] ?? null, upstreamKind: 'pod', upstreamNamespace: 'default', upstreamPod: pod,
    upstreamService: null, ambiguous: 0, second: S0 + at, count, ...extra,
  };
}

/** Per second from `from` to `to` (exclusive), `perSecond[pod]` records to each pod. */
function steady(from: number, to: number, perSecond: Record<string, number>, extra: Partial<TrafficCell> = {}): TrafficCell[] {
  const cells: TrafficCell[] = [];
  for (let s = from; s < to; s++) for (const [pod, n] of Object.entries(perSecond)) if (n > 0) cells.push(toPod(pod, s, n, extra));
  return cells;
}

/** Pod `pod` a ready endpoint of the Service from S0 + fromS to S0 + toS (null: still ready). */
function ready(pod: string, fromS = -3600, toS: number | null = null, service = SVC): EndpointRow {
  return { namespace: 'default', service, ip: ipOf[pod]!, pod, fromMs: MS0 + fromS * 1000, toMs: toS === null ? null : MS0 + toS * 1000 };
}

function report(traffic: TrafficCell[], endpoints: EndpointRow[], options: Partial<BalanceInput> = {}): BalanceReport {
  const r = balanceReport({
    traffic, endpoints, ips: [], fromMs: MS0, toMs: MS0 + 3600_000, bucketMs: 60_000, policyOf: () => 'ROUND_ROBIN', ...options,
  });
  // JSON-safe: no Infinity, NaN or undefined anywhere.
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  return r;
}

const onlySource = (r: BalanceReport): SourceBalance => {
  assert.equal(r.clusters.length, 1);
  assert.equal(r.clusters[0]!.sources.length, 1);
  return r.clusters[0]!.sources[0]!;
};
const podOf = (s: SourceBalance['window'], pod: string) => s.pods.find((p) => p.key === `default/${pod}`)!;
const near = (actual: number | null, expected: number, tolerance = 1e-9) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

describe('chi-square p-values', () => {
  test('match known critical values and closed forms', () => {
    near(chiSquarePValue(3.841, 1), 0.05, 1e-3);
    near(chiSquarePValue(6.635, 1), 0.01, 1e-3);
    // With 2 df the upper tail is exp(-x/2); with 4 df it is exp(-x/2)(1 + x/2).
    near(chiSquarePValue(9.21, 2), Math.exp(-9.21 / 2), 1e-12);
    near(chiSquarePValue(7, 4), Math.exp(-3.5) * (1 + 3.5), 1e-12);
    assert.equal(chiSquarePValue(0, 3), 1);
  });

  test('pools categories expected fewer than 5 records', () => {
    const fit = pearsonGoodnessOfFit([10, 0, 1], [10, 0.5, 0.5])!;
    assert.deepEqual({ statistic: fit.statistic, df: fit.df, pooled: fit.pooled }, { statistic: 0, df: 1, pooled: 2 });
    assert.equal(pearsonGoodnessOfFit([3], [3]), null);
  });
});

describe('balanceReport', () => {
  test('a perfectly balanced pair: p = 1, ratio 1, no findings', () => {
    const r = report(steady(0, 60, { a: 5, b: 5 }), [ready('a'), ready('b')]);
    const w = onlySource(r).window;
    assert.deepEqual(w.pods.map((p) => [p.key, p.tested, p.expected, p.share]), [['default/a', 300, 300, 0.5], ['default/b', 300, 300, 0.5]]);
    assert.equal(w.imbalance.chiSquare, 0);
    assert.equal(w.imbalance.pValue, 1);
    assert.equal(w.imbalance.maxMinRatio, 1);
    assert.deepEqual(balanceFindings(r), []);
    assert.deepEqual(r.clusters[0]!.service, { namespace: 'default', name: SVC, headless: true, coveredRecords: 600, podRecords: 600, tiedWith: [] });
  });

  test('a 70/30 split of 1000 requests is unbalanced (EL0012)', () => {
    const r = report(steady(0, 100, { a: 7, b: 3 }), [ready('a'), ready('b')]);
    const w = onlySource(r).window;
    const statistic = (700 - 500) ** 2 / 500 + (300 - 500) ** 2 / 500; // 160
    near(w.imbalance.chiSquare, statistic);
    assert.equal(w.imbalance.df, 1);
    assert.ok(w.imbalance.pValue! < 0.001);
    near(w.imbalance.maxMinRatio, 7 / 3);
    const findings = imbalanceFindings(r);
    assert.equal(findings.length, 1);
    const f = findings[0]!;
    assert.equal(f.code, 'EL0012');
    assert.equal(f.severity, 'warning');
    assert.equal(f.key, `EL0012|${CLUSTER}|default/nginx-test-1|default/${SVC}`);
    assert.deepEqual(f.resource, { kind: 'Service', namespace: 'default', name: SVC });
    assert.deepEqual(f.related, [{ kind: 'Service', namespace: 'default', name: SVC }, { kind: 'Pod', namespace: 'default', name: 'nginx-test-1' }]);
    assert.equal(f.firstSeenMs, MS0);
    assert.equal(f.lastSeenMs, MS0 + 99_999);
    assert.equal(f.evidence.testedRecords, 1000);
    assert.ok(f.title.startsWith('Round robin is unbalanced'));
    assert.deepEqual(idleEndpointFindings(r), []);
  });

  test('a 52/48 split of 200 requests is chance: no finding', () => {
    const cells = [...steady(0, 54, { a: 1 }), ...steady(0, 46, { b: 1 }), ...steady(60, 110, { a: 1, b: 1 })]; // 104 and 96
    const w = onlySource(report(cells, [ready('a'), ready('b')])).window;
    assert.equal(w.tested, 200);
    near(w.imbalance.chiSquare, (104 - 100) ** 2 / 100 + (96 - 100) ** 2 / 100);
    assert.ok(w.imbalance.pValue! > 0.5); // erfc(0.4) ≈ 0.5716
    assert.deepEqual(balanceFindings(report(cells, [ready('a'), ready('b')])), []);
  });

  test('an endpoint joining mid-bucket: expected counts per record-second', () => {
    // A and B ready throughout, C from second 30: 60 requests in the first half, 90 in the second.
    const cells = [...steady(0, 30, { a: 1, b: 1 }), ...steady(30, 60, { a: 1, b: 1, c: 1 })];
    const s = onlySource(report(cells, [ready('a'), ready('b'), ready('c', 30)]));
    assert.equal(s.buckets.length, 1);
    const bucket = s.buckets[0]!;
    assert.deepEqual([bucket.startMs, bucket.endMs], [MS0, MS0 + 60_000]);
    assert.deepEqual(bucket.pods.map((p) => [p.key, p.tested, p.expected]), [['default/a', 60, 60], ['default/b', 60, 60], ['default/c', 30, 30]]);
    assert.equal(bucket.imbalance.chiSquare, 0);
    assert.deepEqual(s.window.pods.map((p) => p.expected), [60, 60, 30]);
    assert.equal(podOf(s.window, 'c').readyThroughout, false);
  });

  test('buckets split the window and each has its own expectation', () => {
    const s = onlySource(report(steady(0, 120, { a: 1, b: 1 }), [ready('a'), ready('b', -3600, 60)]));
    assert.deepEqual(s.buckets.map((b) => [b.startMs, b.tested, b.outsideEndpoints.count]), [[MS0, 120, 0], [MS0 + 60_000, 60, 60]]);
    assert.deepEqual(s.buckets[1]!.pods.map((p) => [p.key, p.tested, p.expected, p.outsideEndpoints]), [['default/a', 60, 60, 0], ['default/b', 0, 0, 60]]);
  });

  test('an IP reused by another pod: counts and expectations by pod', () => {
    const shared = '10.0.0.9';
    const cells = [...steady(0, 30, { old: 1 }, { upstreamIp: shared }), ...steady(30, 60, { new: 1 }, { upstreamIp: shared }), ...steady(0, 60, { b: 1 })];
    const ips: IpRow[] = [
      { kind: 'pod', ip: shared, namespace: 'default', name: 'old', uid: 'u-old', fromMs: MS0 - 3600_000, toMs: MS0 + 30_000 },
      { kind: 'pod', ip: shared, namespace: 'default', name: 'new', uid: 'u-new', fromMs: MS0 + 30_000, toMs: null },
    ];
    const endpoints: EndpointRow[] = [
      { namespace: 'default', service: SVC, ip: shared, pod: 'old', fromMs: MS0 - 3600_000, toMs: MS0 + 30_000 },
      // The endpoint row names no pod: the IP history says who held the address.
      { namespace: 'default', service: SVC, ip: shared, pod: null, fromMs: MS0 + 30_000, toMs: null },
      ready('b'),
    ];
    const w = onlySource(report(cells, endpoints, { ips })).window;
    assert.deepEqual(w.pods.map((p) => [p.key, p.tested, p.expected]), [['default/b', 60, 60], ['default/new', 30, 30], ['default/old', 30, 30]]);
    assert.equal(w.outsideEndpoints.count, 0);
    assert.equal(w.imbalance.chiSquare, 0);
  });

  test('a Service IP that was a pod IP at another time: each record counted as what it was then', () => {
    const reused = '10.96.0.10';
    const cells = [
      ...steady(0, 30, { a: 1, b: 1 }),
      ...steady(30, 60, { x: 4 }, { upstreamIp: reused, upstreamKind: 'service', upstreamPod: null, upstreamService: 'backend-service' }),
    ];
    const ips: IpRow[] = [
      { kind: 'pod', ip: reused, namespace: 'default', name: 'a', uid: 'u-a', fromMs: MS0 - 3600_000, toMs: MS0 + 20_000 },
      { kind: 'service', ip: reused, namespace: 'default', name: 'backend-service', uid: 'u-s', fromMs: MS0 + 25_000, toMs: null },
    ];
    const w = onlySource(report(cells, [ready('a'), ready('b')], { ips })).window;
    assert.equal(w.tested, 60);
    assert.equal(w.serviceUpstreams.count, 120);
    assert.deepEqual(w.serviceUpstreams.services, [{ namespace: 'default', name: 'backend-service', ip: reused, count: 120 }]);
    assert.match(w.serviceUpstreams.note!, /cannot be seen/);
    assert.deepEqual(w.pods.map((p) => [p.key, p.tested, p.expected]), [['default/a', 30, 30], ['default/b', 30, 30]]);
  });

  test('two Services selecting the same pods: the headless one is used', () => {
    const endpoints = [ready('a', -3600, null, 'backend-service'), ready('b', -3600, null, 'backend-service'), ready('a'), ready('b')];
    const ips: IpRow[] = [{ kind: 'service', ip: '10.96.0.10', namespace: 'default', name: 'backend-service', uid: 'u-s', fromMs: 0, toMs: null }];
    const r = report(steady(0, 10, { a: 1, b: 1 }), endpoints, { ips });
    assert.deepEqual(r.clusters[0]!.service, { namespace: 'default', name: SVC, headless: true, coveredRecords: 20, podRecords: 20, tiedWith: ['default/backend-service'] });
  });

  test('an empty range: no clusters, no findings', () => {
    assert.deepEqual(report([], [ready('a')]).clusters, []);
    const outside = report(steady(-120, -60, { a: 5 }), [ready('a')]);
    assert.deepEqual(outside.clusters, []);
    assert.deepEqual(balanceFindings(outside), []);
  });

  for (const policy of ['RANDOM', 'RING_HASH', 'MAGLEV'] as LbPolicy[]) {
    test(`${policy}: no expectation, no findings`, () => {
      const r = report(steady(0, 100, { a: 7, b: 3 }), [ready('a'), ready('b'), ready('c')], { policyOf: () => policy });
      const s = onlySource(r);
      assert.deepEqual([s.expectation, s.policy, s.policyKnown], ['none', policy, true]);
      assert.match(s.expectationReason!, new RegExp(policy));
      assert.ok(s.window.pods.every((p) => p.expected === null && p.ratio === null));
      assert.equal(s.window.imbalance.pValue, null);
      assert.equal(s.window.imbalance.reason, s.expectationReason);
      assert.deepEqual(balanceFindings(r), []);
    });
  }

  test('an unknown policy is read as ROUND_ROBIN, flagged as assumed', () => {
    const r = report(steady(0, 100, { a: 7, b: 3 }), [ready('a'), ready('b')], { policyOf: () => undefined });
    const s = onlySource(r);
    assert.deepEqual([s.expectation, s.policy, s.policyKnown], ['equal-share', 'ROUND_ROBIN', false]);
    assert.equal(imbalanceFindings(r)[0]?.evidence.policyKnown, false);
  });

  test('records to pods that were not ready endpoints are reported, not tested', () => {
    const cells = [...steady(0, 60, { a: 2, b: 2, d: 1 }), ...steady(60, 70, { a: 1 })];
    const w = onlySource(report(cells, [ready('a', -3600, 60), ready('b')])).window;
    assert.equal(w.tested, 240);
    assert.deepEqual(w.outsideEndpoints, {
      count: 70,
      upstreams: [{ key: 'default/d', namespace: 'default', pod: 'd', ip: ipOf.d, count: 60 }, { key: 'default/a', namespace: 'default', pod: 'a', ip: ipOf.a, count: 10 }],
    });
    assert.deepEqual(w.pods.map((p) => [p.key, p.requests, p.tested, p.expected]), [['default/a', 130, 120, 120], ['default/b', 120, 120, 120], ['default/d', 60, 0, 0]]);
    assert.equal(w.imbalance.chiSquare, 0);
    assert.equal(w.imbalance.df, 1);
  });

  test('Service ClusterIP, unknown and external upstreams: the split over pods cannot be seen', () => {
    const svcCell = { upstreamIp: '10.96.0.10', upstreamKind: 'service' as const, upstreamPod: null, upstreamService: 'backend-service' };
    const cells = [
      ...steady(0, 50, { x: 3 }, svcCell),
      toPod('x', 1, 4, { upstreamIp: '10.9.9.9', upstreamKind: 'unknown', upstreamPod: null }),
      toPod('x', 2, 5, { upstreamIp: '8.8.8.8', upstreamKind: 'external', upstreamPod: null }),
      toPod('x', 3, 6, { upstreamIp: null, upstreamKind: null, upstreamPod: null }),
    ];
    const r = report(cells, [ready('a'), ready('b')]);
    const c = r.clusters[0]!;
    assert.equal(c.service, null);
    assert.ok(c.serviceReason);
    const w = c.sources[0]!.window;
    assert.deepEqual([w.records, w.serviceUpstreams.count, w.unknownUpstreams, w.externalUpstreams, w.noUpstream, w.tested], [165, 150, 4, 5, 6, 0]);
    assert.match(w.serviceUpstreams.note!, /one host/);
    assert.deepEqual(w.pods, []);
    assert.equal(w.imbalance.pValue, null);
    assert.ok(w.imbalance.reason);
    assert.deepEqual(balanceFindings(r), []);
  });

  test('sources are reported alone and together; the overall view needs every source to expect equal shares', () => {
    const other = { sourcePod: 'nginx-test-2' };
    const cells = [...steady(0, 30, { a: 2, b: 1 }), ...steady(0, 30, { a: 1, b: 2 }, other)];
    const policyOf = (_ns: string | null, pod: string | null) => (pod === 'nginx-test-2' ? 'LEAST_REQUEST' : 'ROUND_ROBIN') as LbPolicy;
    const c = report(cells, [ready('a'), ready('b')], { policyOf }).clusters[0]!;
    assert.deepEqual(c.sources.map((s) => [s.key, s.window.tested, s.policy]), [['default/nginx-test-1', 90, 'ROUND_ROBIN'], ['default/nginx-test-2', 90, 'LEAST_REQUEST']]);
    assert.deepEqual([c.overall.key, c.overall.source, c.overall.expectation, c.overall.policy], ['(all sources)', null, 'equal-share', null]);
    assert.deepEqual(c.overall.window.pods.map((p) => [p.tested, p.expected]), [[90, 90], [90, 90]]);
    const mixed = report(cells, [ready('a'), ready('b')], { policyOf: (_n, pod) => (pod === 'nginx-test-2' ? 'RANDOM' : 'ROUND_ROBIN') }).clusters[0]!;
    assert.equal(mixed.overall.expectation, 'none');
    assert.match(mixed.overall.expectationReason!, /different policies/);
  });
});

describe('EL0008 ready pod gets no traffic', () => {
  test('fires for a pod ready throughout and expected at least 20', () => {
    const r = report(steady(0, 60, { a: 1, b: 1 }), [ready('a'), ready('b'), ready('c')]);
    const w = onlySource(r).window;
    assert.deepEqual([podOf(w, 'c').expected, podOf(w, 'c').readyThroughout], [40, true]);
    assert.equal(w.imbalance.zeroPod, true);
    assert.equal(w.imbalance.maxMinRatio, null);
    const findings = idleEndpointFindings(r);
    assert.equal(findings.length, 1);
    const f = findings[0]!;
    assert.equal(f.key, `EL0008|${CLUSTER}|default/nginx-test-1|default/c`);
    assert.deepEqual(f.resource, { kind: 'Pod', namespace: 'default', name: 'c' });
    assert.deepEqual(f.related, [{ kind: 'Service', namespace: 'default', name: SVC }, { kind: 'Pod', namespace: 'default', name: 'nginx-test-1' }]);
    assert.deepEqual([f.firstSeenMs, f.lastSeenMs, f.evidence.expected], [MS0, MS0 + 59_999, 40]);
    // The zero share is also unbalanced: both rules speak.
    assert.deepEqual(balanceFindings(r).map((x) => x.code), ['EL0008', 'EL0012']);
  });

  test('stays quiet when the pod was expected fewer than 20', () => {
    const r = report(steady(0, 15, { a: 1, b: 1 }), [ready('a'), ready('b'), ready('c')]);
    near(podOf(onlySource(r).window, 'c').expected, 10);
    assert.deepEqual(idleEndpointFindings(r), []);
  });

  test('stays quiet for a pod that became ready only at the end', () => {
    const r = report(steady(0, 60, { a: 5, b: 5 }), [ready('a'), ready('b'), ready('c', 50)]);
    const c = podOf(onlySource(r).window, 'c');
    near(c.expected, (10 * 10) / 3); // 10 seconds of 10 records over three pods
    assert.equal(c.readyThroughout, false);
    assert.deepEqual(idleEndpointFindings(r), []);
  });

  test('stays quiet under RANDOM', () => {
    const r = report(steady(0, 60, { a: 1, b: 1 }), [ready('a'), ready('b'), ready('c')], { policyOf: () => 'RANDOM' });
    assert.deepEqual(balanceFindings(r), []);
  });

  test('the Service a sidecar config names wins; else overlapping Services go to the more specific one', () => {
    // backend-all selects a, b, c, d; backend-v1 (what the cluster targets) only a and b. A perfect a/b split.
    const endpoints = [ready('a', -3600, null, 'backend-all'), ready('b', -3600, null, 'backend-all'), ready('c', -3600, null, 'backend-all'), ready('d', -3600, null, 'backend-all'),
      ready('a', -3600, null, 'backend-v1'), ready('b', -3600, null, 'backend-v1')];
    const cells = steady(0, 60, { a: 2, b: 2 });
    const guessed = report(cells, endpoints);
    assert.equal(guessed.clusters[0]!.service!.name, 'backend-v1');
    assert.deepEqual(balanceFindings(guessed), []);
    const named = report(cells, endpoints, { targetOf: () => ({ namespace: 'default', name: 'backend-v1' }) });
    assert.equal(named.clusters[0]!.service!.name, 'backend-v1');
    assert.deepEqual(balanceFindings(named), []);
  });

  test('sidecars whose same-named clusters target different Services are reported apart, each against its own', () => {
    const endpoints = [ready('a', -3600, null, 'svc-x'), ready('b', -3600, null, 'svc-x'), ready('c', -3600, null, 'svc-y'), ready('d', -3600, null, 'svc-y')];
    const other = { sourcePod: 'worker-1' };
    // nginx-test-1 balances over x's pods; worker-1 sends everything to c while d, ready, gets nothing.
    const cells = [...steady(0, 100, { a: 1, b: 1 }), ...steady(0, 100, { c: 5 }, other)];
    const targetOf = (_ns: string | null, pod: string | null) => ({ namespace: 'default', name: pod === 'worker-1' ? 'svc-y' : 'svc-x' });
    const r = report(cells, endpoints, { targetOf });
    assert.deepEqual(r.clusters.map((c) => [c.label, c.service!.name, c.overall.window.tested]), [
      [`${CLUSTER} → default/svc-x`, 'svc-x', 200], [`${CLUSTER} → default/svc-y`, 'svc-y', 500],
    ]);
    assert.deepEqual(balanceFindings(r).map((f) => [f.code, f.resource.name]).sort(), [['EL0008', 'd'], ['EL0012', 'svc-y']]);
  });

  test('a window that starts inside a second keeps that second, in the first bucket', () => {
    const cells = steady(0, 2, { a: 5, b: 5 });
    const r = report(cells, [ready('a'), ready('b')], { fromMs: MS0 + 400 });
    const s = onlySource(r);
    assert.equal(s.window.records, 20);
    assert.deepEqual(s.buckets.map((b) => b.records), [20]);
  });

  test('the replicas of one workload with the same problem make one finding, keyed by the workload', () => {
    const replicas = ['nginx-test-1', 'nginx-test-2', 'nginx-test-3'];
    const cells = replicas.flatMap((pod) => steady(0, 100, { a: 3, b: 1 }, { sourcePod: pod }));
    const r = report(cells, [ready('a'), ready('b')]);
    const workloadOf = (namespace: string | null) => ({ namespace, kind: 'Deployment', name: 'nginx-test' });
    assert.equal(balanceFindings(r).length, 3);
    const merged = balanceFindings(r, { workloadOf });
    assert.deepEqual(merged.map((f) => [f.code, f.key]), [['EL0012', `EL0012|${CLUSTER}|default/Deployment/nginx-test|default/${SVC}`]]);
    assert.match(merged[0]!.title, /and 2 more sidecars of the same workload$/);
    assert.deepEqual((merged[0]!.evidence.sidecars as { testedRecords: number }[]).map((x) => x.testedRecords), [400, 400, 400]);
    assert.ok(merged[0]!.related!.some((x) => x.kind === 'Workload' && x.name === 'Deployment/nginx-test'));
  });
});
