import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObjectRow } from '../store/analysis-store.ts';
import type { CollectorStore } from '../store/collector-store.ts';
import { KubeApiError, type KubeClient } from './kube-client.ts';
import { KubeSnapshots, trimPod, workloadOf } from './kube-snapshots.ts';

const pod = (over: Record<string, unknown> = {}) => ({
  metadata: {
    name: 'web-7c9d8f-abcde', namespace: 'shop', uid: 'p1', labels: { 'pod-template-hash': '7c9d8f' }, annotations: { 'envoy-lens.io/suppress': 'EL0003' },
    ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7c9d8f', controller: true }], resourceVersion: '5', ...over,
  },
  spec: {
    containers: [{ name: 'app', image: 'app', env: [{ name: 'SECRET', value: 'x' }] }, { name: 'envoy', image: 'envoy', volumeMounts: [{ name: 'cfg', mountPath: '/etc/envoy' }] }],
    volumes: [{ name: 'cfg', configMap: { name: 'web-envoy' } }],
  },
  status: { podIP: '10.0.0.1' },
});

test('workload of a pod: a ReplicaSet is its Deployment; other owners as they are; no owner is the pod', () => {
  assert.deepEqual(workloadOf(pod() as never), { kind: 'Deployment', name: 'web' });
  assert.deepEqual(workloadOf(pod({ ownerReferences: [{ kind: 'StatefulSet', name: 'db', controller: true }] }) as never), { kind: 'StatefulSet', name: 'db' });
  assert.deepEqual(workloadOf(pod({ ownerReferences: [{ kind: 'ReplicaSet', name: 'other', controller: true }] }) as never), { kind: 'ReplicaSet', name: 'other' });
  assert.deepEqual(workloadOf(pod({ ownerReferences: undefined }) as never), { kind: 'Pod', name: 'web-7c9d8f-abcde' });
  // Trimmed: no env values, no status.
  const t = JSON.stringify(trimPod(pod() as never, ['envoy']));
  assert.ok(!t.includes('SECRET') && !t.includes('10.0.0.1') && t.includes('envoy-lens.io/suppress'), t);
});

test('Envoy pods, their ConfigMaps and Services are saved once per change; other pods are not; errors are reported', async () => {
  const saved: KubeObjectRow[] = [];
  const errors: string[] = [];
  const gets: string[] = [];
  const store = { saveKubeObject: async (r: KubeObjectRow) => void saved.push(r) } as unknown as CollectorStore;
  const client = {
    getJson: async (path: string) => {
      gets.push(path);
      if (path.endsWith('/missing')) throw new KubeApiError(404, 'not found');
      if (path.endsWith('/broken')) throw new Error('connection reset');
      return { metadata: { name: 'web-envoy', namespace: 'shop', uid: 'c1' }, data: { 'envoy.yaml': 'static_resources: {}', bad: 7 } };
    },
  } as unknown as KubeClient;
  const s = new KubeSnapshots(client, store, ['envoy'], (m) => errors.push(m));
  s.pod(pod() as never);
  s.pod(pod({ resourceVersion: '6' }) as never); // only status-level changes: nothing new to save
  s.pod({ metadata: { name: 'plain', namespace: 'shop', uid: 'p2' }, spec: { containers: [{ name: 'app' }] } } as never);
  s.service({ metadata: { name: 'web', namespace: 'shop', uid: 's1' }, spec: { clusterIP: '10.96.0.9', selector: { app: 'web' }, ports: [{ port: 80 }] } } as never);
  s.pod({ ...pod({ uid: 'p3', name: 'web-7c9d8f-zzzzz' }), spec: { ...pod().spec, volumes: [{ name: 'cfg', configMap: { name: 'missing' } }] } } as never);
  s.pod({ ...pod({ uid: 'p4', name: 'web-7c9d8f-yyyyy' }), spec: { ...pod().spec, volumes: [{ name: 'cfg', configMap: { name: 'broken' } }] } } as never);
  s.pod(pod() as never, true);
  await s.flush();
  assert.deepEqual(saved.map((r) => `${r.kind} ${r.name} ${r.deletedMs === null ? 'live' : 'deleted'}`), [
    'Pod web-7c9d8f-abcde live', 'Service web live', 'Pod web-7c9d8f-zzzzz live', 'Pod web-7c9d8f-yyyyy live', 'Pod web-7c9d8f-abcde deleted', 'ConfigMap web-envoy live',
  ]);
  // A ConfigMap is read once every 10 s at most; only string values are kept.
  assert.deepEqual(gets, ['/api/v1/namespaces/shop/configmaps/web-envoy', '/api/v1/namespaces/shop/configmaps/missing', '/api/v1/namespaces/shop/configmaps/broken']);
  assert.deepEqual(JSON.parse(saved.find((r) => r.kind === 'ConfigMap')!.json).data, { 'envoy.yaml': 'static_resources: {}' });
  assert.deepEqual(errors, ['reading ConfigMap shop/broken: connection reset']);
});
