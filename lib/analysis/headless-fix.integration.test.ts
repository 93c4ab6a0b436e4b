// The headless fix against the simulated seed cluster and the real kubectl: both manifests pass a server-side dry
// run, and the new envoy.yaml reads back with the cluster as STRICT_DNS at the headless Service's name.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readEnvoyConfigFile } from '../envoy/envoy-config.ts';
import { KubeClient } from '../kube/kube-client.ts';
import { Kubectl, kubectlMissing } from '../kube/simulator/api/kubectl-harness.ts';
import { SEED_START_MS } from '../kube/simulator/scenario/seed-scenario.ts';
import { ManualClock } from '../kube/simulator/cluster/sim-clock.ts';
import { Simulation } from '../kube/simulator/simulation.ts';
import type { ConfigMapInfo, ServiceInfo } from './analysis-input.ts';
import { headlessFix } from './headless-fix.ts';

interface ServiceObject {
  metadata: { namespace: string; name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { type?: string; clusterIP?: string; selector?: Record<string, string>; ports?: ServiceInfo['ports'] };
}

const serviceInfo = (s: ServiceObject): ServiceInfo => ({
  namespace: s.metadata.namespace, name: s.metadata.name, uid: s.metadata.uid,
  clusterIP: s.spec.type === 'ExternalName' ? null : (s.spec.clusterIP ?? ''), type: s.spec.type ?? 'ClusterIP',
  selector: s.spec.selector ?? {}, ports: s.spec.ports ?? [], labels: s.metadata.labels ?? {}, annotations: s.metadata.annotations ?? {},
  deletedMs: null,
});

describe('headless fix against the simulated seed cluster', { skip: kubectlMissing() }, () => {
  let sim: Simulation;
  let kubectl: Kubectl;
  let services: ServiceInfo[];
  let configMap: ConfigMapInfo;

  before(async () => {
    sim = await Simulation.start({ clock: new ManualClock(SEED_START_MS), rate: 20 });
    kubectl = await Kubectl.create(sim.url);
    // What the collector would hand over: the Services and the ConfigMap as the API serves them.
    const client = KubeClient.fromString(sim.kubeconfig());
    services = (await client.getJson<{ items: ServiceObject[] }>('/api/v1/services')).items.map(serviceInfo);
    const cm = await client.getJson<{ metadata: { namespace: string; name: string; uid: string; resourceVersion: string; annotations?: Record<string, string> }; data: Record<string, string> }>('/api/v1/namespaces/default/configmaps/envoy-config');
    configMap = { namespace: cm.metadata.namespace, name: cm.metadata.name, uid: cm.metadata.uid, resourceVersion: cm.metadata.resourceVersion, annotations: cm.metadata.annotations ?? {}, data: cm.data };
  });
  after(async () => {
    await sim?.stop();
    await kubectl?.dispose();
  });

  it('both manifests pass kubectl apply --dry-run=server, and the envoy.yaml points at the headless Service', async () => {
    // The cluster that names backend-service, read from the seed's own config rather than assumed.
    const config = readEnvoyConfigFile(configMap.data['envoy.yaml']!, 'envoy.yaml');
    const leaking = config.clusters.filter((c) => c.endpoints.some((e) => e.address === 'backend-service'));
    assert.equal(leaking.length, 1);
    const cluster = leaking[0]!;
    const backend = services.find((s) => s.name === 'backend-service')!;
    assert.equal(backend.clusterIP, '10.105.148.194');

    const { fix, plan } = headlessFix({ service: backend, services, cluster: cluster.name, source: { kind: 'configMap', configMap, key: 'envoy.yaml' } });
    assert.equal(plan.reuse, false);
    assert.deepEqual(fix.files!.map((f) => f.name), [`${plan.name}.service.yaml`, 'envoy-config.configmap.yaml']);

    const expected = [new RegExp(`^service/${plan.name} created \\(server dry run\\)$`, 'm'), /^configmap\/envoy-config configured \(server dry run\)$/m];
    for (const [i, file] of fix.files!.entries()) {
      const path = join(kubectl.dir, file.name);
      await writeFile(path, file.text);
      const r = await kubectl.run(['apply', '--dry-run=server', '-f', path]);
      assert.equal(r.code, 0, `${file.name}: ${r.stderr}`);
      assert.match(r.stdout, expected[i]!);
    }

    const edited = readEnvoyConfigFile(fix.files![1]!.text, 'envoy-config.configmap.yaml').clusters.find((c) => c.name === cluster.name)!;
    assert.equal(edited.type, 'STRICT_DNS');
    assert.deepEqual(edited.endpoints.map((e) => [e.address, e.port]), [[`${plan.name}.default.svc.cluster.local`, 10000]]);

    // A dry run stores nothing: the cluster still has the original Service list and ConfigMap.
    const svc = await kubectl.run(['get', 'svc', plan.name]);
    assert.notEqual(svc.code, 0);
    const cm = await kubectl.run(['get', 'configmap', 'envoy-config', '-o', 'jsonpath={.data.envoy\\.yaml}']);
    assert.match(cm.stdout, /address: "backend-service"\n/);

    // Someone edits the ConfigMap after envoy-lens read it: applying the fix now is refused, not an overwrite.
    const label = await kubectl.run(['label', 'configmap', 'envoy-config', 'edited=yes']);
    assert.equal(label.code, 0, label.stderr);
    const stale = join(kubectl.dir, 'stale.configmap.yaml');
    await writeFile(stale, fix.files![1]!.text);
    const refused = await kubectl.run(['apply', '--dry-run=server', '-f', stale]);
    assert.notEqual(refused.code, 0, refused.stdout);
    assert.match(refused.stderr, /modified|conflict|Conflict/i);
  });
});
