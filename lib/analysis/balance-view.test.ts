import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrafficCell } from './analysis-input.ts';
import { balanceReport, type ClusterBalance } from './balance.ts';
import { balanceVerdict, balanceView } from './balance-view.ts';

const S0 = 1_700_000_040;

function cell(sourceNamespace: string, sourcePod: string, cluster: string, upstream: { pod?: string; service?: string; ip: string }, count: number): TrafficCell {
  return {
    sourceNamespace, sourcePod, cluster, upstreamIp: upstream.ip, upstreamKind: upstream.service ? 'service' : 'pod', upstreamNamespace: 'default',
    upstreamPod: upstream.pod ?? null, upstreamService: upstream.service ?? null, ambiguous: 0, second: S0, count,
  };
}

// Cluster "backend": nginx-1 and nginx-2 in default, nginx-3 in shop, to pods a and b. Cluster "legacy": nginx-1 to a
// Service ClusterIP.
const clusters: ClusterBalance[] = balanceReport({
  traffic: [
    cell('default', 'nginx-1', 'backend', { pod: 'a', ip: '10.0.0.1' }, 10),
    cell('default', 'nginx-2', 'backend', { pod: 'b', ip: '10.0.0.2' }, 10),
    cell('shop', 'nginx-3', 'backend', { pod: 'b', ip: '10.0.0.2' }, 5),
    cell('default', 'nginx-1', 'legacy', { service: 'legacy-svc', ip: '10.96.0.7' }, 4),
  ],
  endpoints: [], ips: [], fromMs: S0 * 1000, toMs: S0 * 1000 + 60_000, bucketMs: 60_000, policyOf: () => 'ROUND_ROBIN',
}).clusters;

const shown = (f: Parameters<typeof balanceView>[1]) => balanceView(clusters, f).map((v) => [v.cluster.label, v.main.key, v.sources.map((s) => s.key), v.hiddenSources]);

test('no filter: every cluster over all its sidecars', () => {
  assert.deepEqual(shown({}), [
    ['backend', '(all sources)', ['default/nginx-1', 'default/nginx-2', 'shop/nginx-3'], 0],
    ['legacy', '(all sources)', ['default/nginx-1'], 0],
  ]);
});

test('cluster filter keeps that cluster', () => {
  assert.deepEqual(shown({ cluster: 'legacy' }).map((v) => v[0]), ['legacy']);
  assert.deepEqual(shown({ cluster: 'nope' }), []);
});

test('a namespace keeps its sidecars; the main view is the overall one while it covers more than one of them', () => {
  assert.deepEqual(shown({ namespace: 'default' }), [
    ['backend', '(all sources)', ['default/nginx-1', 'default/nginx-2'], 1],
    ['legacy', '(all sources)', ['default/nginx-1'], 0],
  ]);
  assert.deepEqual(shown({ namespace: 'shop' }), [['backend', 'shop/nginx-3', ['shop/nginx-3'], 2]], 'one sidecar: its own view');
});

test('a source pod keeps its own view; an upstream keeps the clusters that sent to it (pod, Service or IP)', () => {
  assert.deepEqual(shown({ sourcePod: 'nginx-2' }), [['backend', 'default/nginx-2', ['default/nginx-2'], 2]]);
  assert.deepEqual(shown({ upstream: 'a' }).map((v) => v[0]), ['backend']);
  assert.deepEqual(shown({ upstream: 'legacy-svc' }).map((v) => v[0]), ['legacy']);
  assert.deepEqual(shown({ upstream: '10.96.0.7' }).map((v) => v[0]), ['legacy']);
});

test('verdicts follow the imbalance finding thresholds', () => {
  const slice = (pValue: number | null, maxMinRatio: number | null, tested = 1000, zeroPod = false) =>
    ({ tested, imbalance: { pValue, maxMinRatio, zeroPod, chiSquare: null, df: null, pooledPods: 0, reason: pValue === null ? 'too few' : null } }) as unknown as Parameters<typeof balanceVerdict>[0];
  assert.equal(balanceVerdict(slice(null, null)), 'untested');
  assert.equal(balanceVerdict(slice(0.3, 1.1)), 'even');
  assert.equal(balanceVerdict(slice(1e-6, 1.2)), 'slightly-uneven');
  assert.equal(balanceVerdict(slice(1e-6, 2)), 'uneven');
  assert.equal(balanceVerdict(slice(1e-6, null, 1000, true)), 'uneven', 'a pod that got nothing');
  assert.equal(balanceVerdict(slice(1e-6, 2, 50)), 'slightly-uneven', 'too few records for the finding');
});
