import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envoyConfigSource } from './pod-config-source.ts';

const pod = (container: Record<string, unknown>, volumes: unknown[] = []) => ({
  metadata: { name: 'p', namespace: 'shop' },
  spec: { containers: [{ name: 'app', image: 'app:1' }, { name: 'envoy', image: 'envoyproxy/envoy:v1.32-latest', ...container }], volumes },
});
const cmVolume = (name: string, configMap: Record<string, unknown>) => ({ name, configMap });

describe('envoyConfigSource', () => {
  it('the seed shape: -c path under a ConfigMap volume mount', () => {
    const p = pod({ args: ['-c', '/etc/envoy/envoy.yaml'], volumeMounts: [{ name: 'cfg', mountPath: '/etc/envoy' }] }, [cmVolume('cfg', { name: 'envoy-config' })]);
    assert.deepEqual(envoyConfigSource(p, 'envoy'), { kind: 'configmap', namespace: 'shop', name: 'envoy-config', key: 'envoy.yaml', path: '/etc/envoy/envoy.yaml' });
  });

  it('no -c: the image default /etc/envoy/envoy.yaml; --config-path=… and command arguments count too', () => {
    const mounts = { volumeMounts: [{ name: 'cfg', mountPath: '/etc/envoy/' }] };
    const vols = [cmVolume('cfg', { name: 'c' })];
    assert.equal((envoyConfigSource(pod(mounts, vols), 'envoy') as { key: string }).key, 'envoy.yaml');
    const p = pod({ command: ['envoy', '--config-path=/etc/envoy/front.yaml'], ...mounts }, vols);
    assert.equal((envoyConfigSource(p, 'envoy') as { key: string }).key, 'front.yaml');
  });

  it('items map a key to another file name; subPath mounts one key; projected volumes hold ConfigMaps', () => {
    const items = pod({ args: ['-c', '/cfg/bootstrap.yaml'], volumeMounts: [{ name: 'v', mountPath: '/cfg' }] }, [cmVolume('v', { name: 'c', items: [{ key: 'envoy-v2', path: 'bootstrap.yaml' }] })]);
    assert.equal((envoyConfigSource(items, 'envoy') as { key: string }).key, 'envoy-v2');
    const sub = pod({ args: ['-c', '/etc/envoy/envoy.yaml'], volumeMounts: [{ name: 'v', mountPath: '/etc/envoy/envoy.yaml', subPath: 'main.yaml' }] }, [cmVolume('v', { name: 'c' })]);
    assert.equal((envoyConfigSource(sub, 'envoy') as { key: string }).key, 'main.yaml');
    const projected = pod({ volumeMounts: [{ name: 'v', mountPath: '/etc/envoy' }] }, [{ name: 'v', projected: { sources: [{ secret: { name: 's' } }, { configMap: { name: 'proj' } }] } }]);
    assert.deepEqual([(envoyConfigSource(projected, 'envoy') as { name: string }).name], ['proj']);
  });

  it('the deepest mount over the path wins', () => {
    const p = pod({ volumeMounts: [{ name: 'outer', mountPath: '/etc' }, { name: 'inner', mountPath: '/etc/envoy' }] }, [cmVolume('outer', { name: 'wrong' }), cmVolume('inner', { name: 'right' })]);
    assert.equal((envoyConfigSource(p, 'envoy') as { name: string }).name, 'right');
  });

  it('--config-yaml is an inline bootstrap', () => {
    assert.deepEqual(envoyConfigSource(pod({ args: ['--config-yaml', 'static_resources: {}'] }), 'envoy'), { kind: 'inline', text: 'static_resources: {}' });
  });

  it('says why when it cannot resolve, and never throws on odd specs', () => {
    const reasons = [
      envoyConfigSource(pod({}), 'nope'),
      envoyConfigSource(pod({}), 'envoy'),
      envoyConfigSource(pod({ volumeMounts: [{ name: 'v', mountPath: '/etc/envoy' }] }), 'envoy'),
      envoyConfigSource(pod({ volumeMounts: [{ name: 'v', mountPath: '/etc/envoy' }] }, [{ name: 'v', emptyDir: {} }]), 'envoy'),
      envoyConfigSource(pod({ volumeMounts: [{ name: 'v', mountPath: '/etc/envoy' }] }, [cmVolume('v', { name: 'c', items: [{ key: 'a', path: 'b.yaml' }] })]), 'envoy'),
      envoyConfigSource({ metadata: {}, spec: { containers: 'garbage' } }, 'envoy'),
    ].map((r) => (r.kind === 'unresolved' ? r.reason : `resolved ${r.kind}`));
    assert.deepEqual(reasons, [
      'the pod has no container nope',
      'no volume is mounted over /etc/envoy/envoy.yaml',
      'volume v is mounted but not defined in the pod',
      'volume v over /etc/envoy/envoy.yaml is not a ConfigMap',
      'ConfigMap c mounted at /etc/envoy has no key for envoy.yaml',
      'the pod has no container envoy',
    ]);
  });
});
