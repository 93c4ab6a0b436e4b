import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObjectRow } from '../store/analysis-store.ts';
import { readKubeObjects } from './kube-objects.ts';

const row = (kind: KubeObjectRow['kind'], json: string, name = 'x'): KubeObjectRow => ({ kind, namespace: 'default', name, uid: `u-${name}`, json, firstSeenMs: 1, lastSeenMs: 2, deletedMs: null });

test('stored objects read back into Services, pods and ConfigMaps; misfits are skipped with the reason', () => {
  const out = readKubeObjects([
    row('Service', JSON.stringify({ name: 'svc', namespace: 'default', uid: 'u1', labels: {}, annotations: { a: 'b' }, spec: { type: 'ClusterIP', clusterIP: 'None', selector: { app: 'x' }, ports: [{ port: 80 }] } }), 'svc'),
    row('Service', JSON.stringify({ name: 'ext', namespace: 'default', uid: 'u2', labels: {}, annotations: {}, spec: { type: 'ExternalName', clusterIP: null, selector: {}, ports: [] } }), 'ext'),
    row('Pod', JSON.stringify({ name: 'p', namespace: 'default', uid: 'u3', labels: 7, annotations: {}, workload: { kind: 'Deployment', name: 'web' }, envoyContainers: ['envoy'], spec: { containers: [] } }), 'p'),
    row('ConfigMap', JSON.stringify({ name: 'cm', namespace: 'default', uid: 'u4', labels: {}, annotations: {}, data: { 'envoy.yaml': 'x: 1' } }), 'cm'),
    row('Pod', '{not json', 'broken'),
    row('Service', JSON.stringify({ name: '', namespace: 'default', uid: 'u5', spec: {} }), 'noname'),
  ]);
  assert.deepEqual(out.services.map((s) => [s.name, s.clusterIP, s.type, s.annotations]), [['svc', 'None', 'ClusterIP', { a: 'b' }], ['ext', null, 'ExternalName', {}]]);
  assert.deepEqual(out.pods.map((p) => [p.name, p.workload.name, p.labels, p.envoyContainers]), [['p', 'web', {}, ['envoy']]]);
  assert.deepEqual(out.configMaps.map((c) => c.data), [{ 'envoy.yaml': 'x: 1' }]);
  assert.equal(out.skipped.length, 2);
  assert.match(out.skipped[0]!, /Pod default\/broken: stored JSON is not valid/);
  assert.match(out.skipped[1]!, /Service default\/noname: name:/);
});
