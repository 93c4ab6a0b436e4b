import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FailureCell, IpRow, PodInfo, TrafficCell } from './analysis-input.ts';
import {
  BURST_MIN_FAILURES, deletedPodUpstreamFindings, failureBurstFindings, findBursts, trafficFindings, unknownUpstreamFindings,
} from './traffic-findings.ts';
import { workloadLookup } from './source-workloads.ts';

const T = 1_765_000_000; // epoch seconds of the test's first cell
const cell = (over: Partial<TrafficCell>): TrafficCell => ({
  sourceNamespace: 'default', sourcePod: 'nginx-a', cluster: 'backend_cluster', upstreamIp: '10.244.0.81', upstreamKind: 'pod',
  upstreamNamespace: 'default', upstreamPod: 'backend-1', upstreamService: null, ambiguous: 0, second: T, count: 1, ...over,
});
const nobody = (ip: string, kind: 'unknown' | 'external', over: Partial<TrafficCell> = {}) =>
  cell({ upstreamIp: ip, upstreamKind: kind, upstreamNamespace: null, upstreamPod: null, ...over });
const podRange = (name: string, ip: string, fromS: number, toS: number | null, uid = `uid-${name}`): IpRow =>
  ({ kind: 'pod', ip, namespace: 'default', name, uid, fromMs: fromS * 1000, toMs: toS === null ? null : toS * 1000 });
const pod = (name: string, workload: { kind: string; name: string }, annotations: Record<string, string> = {}): PodInfo => ({
  namespace: 'default', name, uid: `uid-${name}`, workload, labels: {}, annotations, envoyContainers: ['envoy'], spec: {}, deletedMs: null,
});
const nginxPods = [pod('nginx-a', { kind: 'Deployment', name: 'nginx' }), pod('nginx-b', { kind: 'Deployment', name: 'nginx' })];
const workloads = workloadLookup(nginxPods);

describe('EL0009 upstream neither pod nor Service', () => {
  test('one finding per workload and cluster, listing the addresses with counts, about the workload', () => {
    const findings = unknownUpstreamFindings([
      cell({ count: 50 }),
      nobody('10.0.9.9', 'unknown', { count: 7, second: T + 3 }),
      nobody('10.0.9.9', 'unknown', { sourcePod: 'nginx-b', count: 3, second: T + 9 }),
      nobody('203.0.113.5', 'external', { count: 2, second: T + 5 }),
    ], [], workloads);
    assert.equal(findings.length, 1);
    const f = findings[0]!;
    assert.equal(f.code, 'EL0009');
    assert.equal(f.severity, 'warning');
    assert.equal(f.key, 'EL0009|default/Deployment/nginx|backend_cluster');
    assert.deepEqual(f.resource, { kind: 'Workload', namespace: 'default', name: 'Deployment/nginx' });
    assert.deepEqual(f.related, [{ kind: 'Pod', namespace: 'default', name: 'nginx-a' }, { kind: 'Pod', namespace: 'default', name: 'nginx-b' }]);
    assert.deepEqual([f.firstSeenMs, f.lastSeenMs], [(T + 3) * 1000, (T + 9) * 1000 + 999]);
    assert.equal(f.evidence.requests, 12);
    assert.equal(f.evidence.addresses, 2);
    assert.equal(f.evidence.egressCluster, false);
    assert.deepEqual(f.evidence.requestsByKind, { unknown: 10, external: 2 });
    assert.deepEqual(f.evidence.topAddresses, [{ ip: '10.0.9.9', kind: 'unknown', requests: 10 }, { ip: '203.0.113.5', kind: 'external', requests: 2 }]);
    assert.match(f.message, /10\.0\.9\.9 ×10/);
  });

  test('quiet for pod and Service upstreams', () => {
    const cells = [cell({ count: 9 }), cell({ upstreamIp: '10.96.0.10', upstreamKind: 'service', upstreamPod: null, upstreamService: 'backend' })];
    assert.deepEqual(unknownUpstreamFindings(cells, [], workloads), []);
  });

  test('an egress cluster (it never reached a pod or Service) is quiet for public addresses', () => {
    const cells = [nobody('203.0.113.5', 'external', { cluster: 'egress_https', count: 40 }), nobody('198.51.100.7', 'external', { cluster: 'egress_https' })];
    assert.deepEqual(unknownUpstreamFindings(cells, [], workloads), []);
  });

  test('an egress cluster still reports private addresses nobody held, and only those', () => {
    const cells = [nobody('203.0.113.5', 'external', { cluster: 'vpc', count: 40 }), nobody('10.1.2.3', 'unknown', { cluster: 'vpc', count: 4 })];
    const [f, ...rest] = unknownUpstreamFindings(cells, [], workloads);
    assert.equal(rest.length, 0);
    assert.equal(f!.evidence.egressCluster, true);
    assert.deepEqual(f!.evidence.topAddresses, [{ ip: '10.1.2.3', kind: 'unknown', requests: 4 }]);
  });

  test('an address a pod held before is left to EL0011, and makes the cluster an in-cluster one', () => {
    const ips = [podRange('backend-old', '10.244.0.99', T - 100, T - 60)];
    const cells = [nobody('10.244.0.99', 'unknown', { count: 5 }), nobody('203.0.113.5', 'external')];
    const findings = unknownUpstreamFindings(cells, ips, workloads);
    assert.equal(findings.length, 1);
    assert.deepEqual(findings[0]!.evidence.topAddresses, [{ ip: '203.0.113.5', kind: 'external', requests: 1 }]);
  });

  test('a source pod envoy-lens never saw stands for itself; imported records are a File', () => {
    const cells = [nobody('10.0.9.9', 'unknown', { sourcePod: 'lonely' }), nobody('10.0.9.9', 'unknown', { sourceNamespace: null, sourcePod: null })];
    const findings = unknownUpstreamFindings(cells, [], workloads);
    assert.deepEqual(findings.map((f) => f.resource).sort((a, b) => a.kind.localeCompare(b.kind)), [
      { kind: 'File', name: '(imported file)' },
      { kind: 'Workload', namespace: 'default', name: 'Pod/lonely' },
    ]);
  });
});

describe('EL0011 upstream served after its pod was deleted', () => {
  const ips = [podRange('backend-1', '10.244.0.81', T - 300, T)];

  test('names the deleted pod, the IP and how long after deletion requests still went', () => {
    const cells = [
      nobody('10.244.0.81', 'unknown', { second: T + 30, count: 4 }),
      nobody('10.244.0.81', 'unknown', { sourcePod: 'nginx-b', second: T + 42, count: 2 }),
    ];
    const [f, ...rest] = deletedPodUpstreamFindings(cells, ips, workloads);
    assert.equal(rest.length, 0);
    assert.equal(f!.code, 'EL0011');
    assert.equal(f!.key, 'EL0011|default/Deployment/nginx|backend_cluster|10.244.0.81|default/backend-1');
    assert.ok(f!.related!.some((r) => r.kind === 'Pod' && r.name === 'backend-1'), 'the deleted pod can silence it too');
    assert.equal(f!.evidence.deletedPod, 'default/backend-1');
    assert.equal(f!.evidence.requests, 6);
    assert.equal(f!.evidence.firstRequestAfterDeletionMs, 30_000);
    assert.equal(f!.evidence.lastRequestAfterDeletionMs, 42_000);
    assert.deepEqual([f!.firstSeenMs, f!.lastSeenMs], [(T + 30) * 1000, (T + 42) * 1000 + 999]);
    assert.match(f!.message, /last 42 s after/);
  });

  test('quiet within the hand-over window, for ambiguous pod and unknown cells alike', () => {
    const cells = [
      cell({ second: T + 5, ambiguous: 1 }),
      nobody('10.244.0.81', 'unknown', { second: T + 9 }),
    ];
    assert.deepEqual(deletedPodUpstreamFindings(cells, ips, workloads), []);
  });

  test('quiet when another pod held the IP at the time, or took it within the window', () => {
    const reused = [...ips, podRange('backend-2', '10.244.0.81', T + 20, null)];
    const cells = [cell({ second: T + 25, upstreamPod: 'backend-2', ambiguous: 1 }), nobody('10.244.0.81', 'unknown', { second: T + 15 })];
    assert.deepEqual(deletedPodUpstreamFindings(cells, reused, workloads), []);
  });

  test('quiet when a Service had the address as its ClusterIP then', () => {
    const withService: IpRow[] = [...ips, { kind: 'service', ip: '10.244.0.81', namespace: 'default', name: 'odd', uid: 's', fromMs: (T + 20) * 1000, toMs: null }];
    assert.deepEqual(deletedPodUpstreamFindings([nobody('10.244.0.81', 'unknown', { second: T + 30 })], withService, workloads), []);
  });

  test('quiet for unambiguous pod cells and addresses no pod ever held', () => {
    const cells = [cell({ second: T + 30 }), nobody('10.0.9.9', 'unknown', { second: T + 30 })];
    assert.deepEqual(deletedPodUpstreamFindings(cells, ips, workloads), []);
  });

  test('names the last pod that held an IP used twice, and compares IPv6 addresses case-insensitively', () => {
    const v6 = [podRange('old', 'fd00::a', T - 500, T - 400), podRange('newer', 'fd00::a', T - 300, T - 100)];
    const [f] = deletedPodUpstreamFindings([nobody('FD00::A', 'unknown', { second: T })], v6, workloads);
    assert.equal(f!.evidence.deletedPod, 'default/newer');
    assert.equal(f!.evidence.upstreamIp, 'fd00::a');
  });
});

describe('EL0010 burst of 503 UH/UF/NR', () => {
  const failure = (second: number, count = 1, flag: FailureCell['flag'] = 'UH', over: Partial<FailureCell> = {}): FailureCell =>
    ({ sourceNamespace: 'default', sourcePod: 'nginx-a', cluster: 'backend_cluster', upstreamIp: null, flag, second, count, ...over });

  test('a burst: count, peak window, first and last seen, per workload, cluster and flag', () => {
    const cells = [failure(T, 3), failure(T + 2, 4, 'UH', { sourcePod: 'nginx-b' }), failure(T + 8, 5), failure(T + 60, 1)];
    const [f, ...rest] = failureBurstFindings(cells, workloads);
    assert.equal(rest.length, 0);
    assert.equal(f!.key, 'EL0010|default/Deployment/nginx|backend_cluster|UH');
    assert.equal(f!.evidence.burstFailures, 12);
    assert.equal(f!.evidence.totalFailures, 13);
    assert.equal(f!.evidence.bursts, 1);
    assert.deepEqual(f!.evidence.peakWindow, { fromMs: T * 1000, toMs: (T + 10) * 1000, failures: 12 });
    assert.deepEqual([f!.firstSeenMs, f!.lastSeenMs], [T * 1000, (T + 8) * 1000 + 999]);
  });

  test('quiet for isolated 503s and for one short of the threshold', () => {
    const isolated = Array.from({ length: 40 }, (_, i) => failure(T + i * 5));
    assert.deepEqual(failureBurstFindings(isolated, workloads), []);
    assert.deepEqual(failureBurstFindings([failure(T, BURST_MIN_FAILURES - 1)], workloads), []);
    assert.equal(failureBurstFindings([failure(T, BURST_MIN_FAILURES - 1), failure(T + 9)], workloads).length, 1);
    assert.deepEqual(failureBurstFindings([failure(T, BURST_MIN_FAILURES - 1), failure(T + 10)], workloads), [], 'the 10th came a window later');
  });

  test('flags are counted apart: one finding per flag, and mixed flags below the threshold each stay quiet', () => {
    assert.deepEqual(failureBurstFindings([failure(T, 6, 'UH'), failure(T + 1, 6, 'UF')], workloads), []);
    const keys = failureBurstFindings([failure(T, 10, 'UF'), failure(T, 10, 'NR')], workloads).map((f) => f.key).sort();
    assert.deepEqual(keys, ['EL0010|default/Deployment/nginx|backend_cluster|NR', 'EL0010|default/Deployment/nginx|backend_cluster|UF']);
  });

  test('separate bursts are counted, and the peak is the busiest window', () => {
    const summary = findBursts(new Map([[T, 10], [T + 100, 4], [T + 105, 8], [T + 300, 1]]));
    assert.deepEqual(summary, { burstFailures: 22, bursts: 2, peak: { second: T + 100, failures: 12 }, firstSecond: T, lastSecond: T + 105 });
    assert.equal(findBursts(new Map()), null);
  });
});

test('trafficFindings runs all three rules, resolves workloads from pods, and sorts by key', () => {
  const findings = trafficFindings({
    traffic: [cell({}), nobody('10.0.9.9', 'unknown'), nobody('10.244.0.50', 'unknown', { second: T + 60 })],
    failures: [{ sourceNamespace: 'default', sourcePod: 'nginx-a', cluster: 'backend_cluster', upstreamIp: '10.244.0.81', flag: 'UF', second: T, count: 11 }],
    ips: [podRange('gone', '10.244.0.50', T - 100, T)],
    pods: nginxPods,
  });
  assert.deepEqual(findings.map((f) => f.code), ['EL0009', 'EL0010', 'EL0011']);
  for (const f of findings) assert.deepEqual(f.resource, { kind: 'Workload', namespace: 'default', name: 'Deployment/nginx' });
  assert.deepEqual(findings[1]!.evidence.upstreamIps, [{ ip: '10.244.0.81', failures: 11 }]);
});
