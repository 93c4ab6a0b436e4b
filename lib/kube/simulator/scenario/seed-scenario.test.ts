import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pickAccessLogger, readEnvoyConfigFile } from '../../../envoy/envoy-config.ts';
import { SEED_FORMAT } from '../../../envoy/default-formats.ts';
import type { KubeObject } from '../kube-object.ts';
import { clusterDns, endpointSlicesFor, seedEnvoyYaml, seedScenarioObjects } from './seed-scenario.ts';

const objects = seedScenarioObjects();
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const get = (o: unknown, path: string): any => path.split('.').reduce<any>((v, k) => v?.[k], o);

describe('seed scenario objects', () => {
  it('has the namespace, ConfigMap, three Services, three pods and one EndpointSlice per Service', () => {
    assert.deepEqual(objects.map((o) => o.kind), ['Namespace', 'ConfigMap', 'Service', 'Service', 'Service', 'Pod', 'Pod', 'Pod',
      'EndpointSlice', 'EndpointSlice', 'EndpointSlice']);
    assert.equal(named('Namespace', 'default').metadata.labels?.['kubernetes.io/metadata.name'], 'default');
    for (const o of objects) {
      assert.ok(o.apiVersion && o.metadata.name);
      if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'default');
      assert.equal(o.metadata.uid, undefined, 'the store assigns uids');
    }
  });

  it('ConfigMap envoy-config carries the fixture envoy.yaml byte for byte', () => {
    const cm = named('ConfigMap', 'envoy-config');
    const yaml = get(cm, 'data')['envoy.yaml'] as string;
    assert.ok(readFileSync(new URL('../../../../fixtures/seed/envoy-config.configmap.yaml', import.meta.url), 'utf8').includes(yaml.split('\n')[1]!));
    const logger = pickAccessLogger(readEnvoyConfigFile(yaml, 'envoy.yaml'));
    assert.deepEqual(logger.format, { type: 'text', text: SEED_FORMAT });
    assert.match(seedEnvoyYaml('headless'), /address: "backend-headless-service"/);
    assert.match(get(seedScenarioObjects({ variant: 'headless' })[1], 'data')['envoy.yaml'], /backend-headless-service/);
  });

  it('Services: ClusterIP, headless and NodePort', () => {
    const backend = named('Service', 'backend-service');
    assert.equal(get(backend, 'spec.clusterIP'), '10.105.148.194');
    assert.equal(get(backend, 'spec.type'), 'ClusterIP');
    assert.deepEqual(get(backend, 'spec.selector'), { app: 'backend' });
    assert.equal(get(backend, 'spec.ports.0.port'), 10000);
    assert.equal(get(named('Service', 'backend-headless-service'), 'spec.clusterIP'), 'None');
    const nginx = named('Service', 'nginx-test');
    assert.equal(get(nginx, 'spec.type'), 'NodePort');
    assert.equal(get(nginx, 'spec.ports.0.nodePort'), 30785);
  });

  it('the nginx-test pod has nginx and an envoy sidecar mounting the ConfigMap', () => {
    const pod = named('Pod', 'nginx-test-6df974c9f9-qksd4');
    assert.equal(get(pod, 'status.podIP'), '10.244.0.80');
    assert.equal(get(pod, 'spec.nodeName'), 'wilson');
    assert.deepEqual(get(pod, 'spec.containers').map((c: { name: string }) => c.name), ['nginx', 'envoy']);
    const envoy = get(pod, 'spec.containers.1');
    assert.deepEqual(envoy.args, ['-c', '/etc/envoy/envoy.yaml']);
    assert.deepEqual(envoy.volumeMounts, [{ name: 'envoy-config', mountPath: '/etc/envoy' }]);
    assert.deepEqual(get(pod, 'spec.volumes.0'), { name: 'envoy-config', configMap: { name: 'envoy-config', defaultMode: 420 } });
    for (const s of get(pod, 'status.containerStatuses')) {
      assert.match(s.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
      assert.equal(s.restartCount, 0);
      assert.ok(s.state.running.startedAt);
      assert.equal(s.ready, true);
    }
    const ids = get(pod, 'status.containerStatuses').map((s: { containerID: string }) => s.containerID);
    assert.notEqual(ids[0], ids[1]);
  });

  it('two backend pods with the backend labels, owned by a ReplicaSet', () => {
    const backends = byKind('Pod').filter((p) => p.metadata.labels?.app === 'backend');
    assert.deepEqual(backends.map((p) => get(p, 'status.podIP')), ['10.244.0.81', '10.244.0.82']);
    for (const p of backends) {
      assert.ok(p.metadata.labels?.['pod-template-hash']);
      const owner = p.metadata.ownerReferences?.[0] as Record<string, unknown>;
      assert.equal(owner.kind, 'ReplicaSet');
      assert.equal(owner.controller, true);
      assert.ok(p.metadata.name.startsWith(`${owner.name}-`));
    }
  });

  it('EndpointSlices list the selected pods with conditions, targetRef and controller labels', () => {
    const slices = byKind('EndpointSlice');
    const of = (svc: string) => slices.find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc)!;
    for (const s of slices) {
      assert.equal(s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
      assert.equal(s.addressType, 'IPv4');
    }
    const headless = of('backend-headless-service');
    assert.equal(headless.metadata.labels?.['service.kubernetes.io/headless'], '');
    assert.equal(of('backend-service').metadata.labels?.['service.kubernetes.io/headless'], undefined);
    const endpoints = headless.endpoints as any[];
    assert.deepEqual(endpoints.map((e) => e.addresses[0]), ['10.244.0.81', '10.244.0.82']);
    assert.deepEqual(endpoints[0].conditions, { ready: true, serving: true, terminating: false });
    assert.equal(endpoints[0].nodeName, 'wilson');
    assert.deepEqual(endpoints[0].targetRef, { kind: 'Pod', namespace: 'default', name: 'backend-7b9c5d8f6d-4xk2p' });
    assert.deepEqual(get(headless, 'ports'), [{ name: 'http', port: 10000, protocol: 'TCP' }]);
    assert.deepEqual((of('nginx-test').endpoints as any[]).map((e) => e.addresses[0]), ['10.244.0.80']);
  });

  it('cluster DNS: ClusterIP → VIP, headless → ready pod IPs only', () => {
    const dns = clusterDns(objects);
    assert.deepEqual(dns('backend-service'), ['10.105.148.194']);
    assert.deepEqual(dns('backend-service.default.svc.cluster.local'), ['10.105.148.194']);
    assert.deepEqual(dns('backend-headless-service'), ['10.244.0.81', '10.244.0.82']);
    assert.deepEqual(dns('nope'), []);
    // A terminating pod is not ready: headless DNS drops it.
    const pods = byKind('Pod').map((p): KubeObject => p.metadata.name.endsWith('9mzqw') ? { ...p, metadata: { ...p.metadata, deletionTimestamp: '2025-12-16T10:00:00Z' } } : p);
    const services = byKind('Service');
    const slices = endpointSlicesFor(services, pods);
    const terminating = (slices[1]!.endpoints as any[])[1];
    assert.deepEqual(terminating.conditions, { ready: false, serving: true, terminating: true });
    assert.deepEqual(clusterDns([...services, ...pods, ...slices])('backend-headless-service'), ['10.244.0.81']);
  });
});
