import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TrafficCell } from './analysis-input.ts';
import { leakFindings, leakGroups } from './clusterip-leak.ts';
import type { SourceWorkload } from './source-workloads.ts';

const cell = (over: Partial<TrafficCell>): TrafficCell => ({
  sourceNamespace: 'default', sourcePod: 'nginx-a', cluster: 'backend_cluster', upstreamIp: '10.244.0.81', upstreamKind: 'pod',
  upstreamNamespace: 'default', upstreamPod: 'backend-1', upstreamService: null, ambiguous: 0, second: 1000, count: 1, ...over,
});
const svcCell = (over: Partial<TrafficCell>) => cell({ upstreamIp: '10.105.148.194', upstreamKind: 'service', upstreamPod: null, upstreamService: 'backend-service', ...over });
const workloads = (ns: string | null, pod: string | null): SourceWorkload =>
  pod?.startsWith('nginx-') ? { namespace: ns, kind: 'Deployment', name: 'nginx' } : { namespace: ns, kind: 'Pod', name: pod ?? '?' };

describe('ClusterIP leak (EL0001)', () => {
  test('groups by source workload, Envoy cluster and Service, with counts, share and first/last seen', () => {
    const groups = leakGroups([
      svcCell({ second: 1000, count: 30 }),
      svcCell({ sourcePod: 'nginx-b', second: 1010, count: 10 }),
      cell({ second: 1005, count: 60 }),
      cell({ cluster: 'other', second: 1005, count: 500 }),
    ], workloads);
    assert.equal(groups.length, 1);
    const g = groups[0]!;
    assert.deepEqual([g.records, g.clusterRecords, g.ips, g.sourcePods.sort(), g.firstSeenMs, g.lastSeenMs],
      [40, 100, ['10.105.148.194'], ['nginx-a', 'nginx-b'], 1_000_000, 1_010_999]);
    const [f] = leakFindings(groups);
    assert.equal(f!.code, 'EL0001');
    assert.equal(f!.severity, 'error');
    assert.deepEqual(f!.resource, { kind: 'Service', namespace: 'default', name: 'backend-service' });
    assert.match(f!.message, /40 of 100 requests \(40\.0%\)/);
    assert.match(f!.message, /kube-proxy picks the pod/);
    assert.match(f!.fix!.summary, /headless Service/);
    assert.equal(f!.key, 'EL0001|default/Deployment/nginx|backend_cluster|default/backend-service');
  });

  test('one finding per Service and per cluster; the whole share when every record leaks', () => {
    const groups = leakGroups([
      svcCell({ count: 5 }),
      svcCell({ upstreamService: 'cart', upstreamIp: '10.96.0.12', cluster: 'cart_cluster', count: 7 }),
    ], workloads);
    assert.deepEqual(groups.map((g) => [g.service, g.records, g.clusterRecords]), [['cart', 7, 7], ['backend-service', 5, 5]]);
    assert.match(leakFindings(groups)[0]!.message, /7 of 7 requests \(100%\)/);
  });

  test('does not flag pod, external or unknown upstreams, nor records with no upstream', () => {
    const groups = leakGroups([
      cell({ count: 50 }),
      cell({ upstreamKind: 'external', upstreamIp: '93.184.216.34', upstreamPod: null }),
      cell({ upstreamKind: 'unknown', upstreamIp: '10.9.9.9', upstreamPod: null }),
      cell({ upstreamKind: null, upstreamIp: null, upstreamPod: null }),
      // An IP that is a ClusterIP at another time is attributed per record: here it was a pod.
      cell({ upstreamIp: '10.105.148.194', upstreamKind: 'pod', upstreamPod: 'reused' }),
    ], workloads);
    assert.deepEqual(groups, []);
    assert.deepEqual(leakFindings([]), []);
  });
});

describe('a ClusterIP leak that a config change ended', () => {
  test('records to pods for 30 s after the last leaking one: kept as resolved (info), not an error', () => {
    const groups = leakGroups([svcCell({ second: 1000, count: 30 }), cell({ second: 1031, count: 5 })], workloads);
    const [f] = leakFindings(groups);
    assert.equal(f!.severity, 'info');
    assert.match(f!.title, /^ClusterIP leak resolved: .* until \d\d:\d\d:\d\d UTC, and pods directly since/);
    assert.equal(f!.evidence.resolved, true);
  });

  test('not resolved while pods and the ClusterIP alternate, or for less than 30 s', () => {
    for (const cells of [
      [svcCell({ second: 1000 }), cell({ second: 1020 }), svcCell({ second: 1040 })],
      [svcCell({ second: 1000 }), cell({ second: 1029 })],
    ]) {
      const [f] = leakFindings(leakGroups(cells, workloads));
      assert.deepEqual([f!.severity, f!.evidence.resolved], ['error', false]);
    }
  });
});
