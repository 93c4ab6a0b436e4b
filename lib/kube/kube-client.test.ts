import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { Simulation } from './simulator/simulation.ts';
import { KubeApiError, KubeClient } from './kube-client.ts';

describe('KubeClient', () => {
  let sim: Simulation;
  let dir: string;
  let file: string;

  before(async () => {
    sim = await Simulation.start({ rate: 0 });
    dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-kc-'));
    file = path.join(dir, 'kubeconfig');
    // Two contexts: the current one points nowhere, `sim` at the simulator with namespace shop.
    writeFileSync(file, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'broken',
      clusters: [
        { name: 'nowhere', cluster: { server: 'http://127.0.0.1:1', 'insecure-skip-tls-verify': true } },
        { name: 'sim', cluster: { server: sim.url, 'insecure-skip-tls-verify': true } },
      ],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'broken', context: { cluster: 'nowhere', user: 'u' } }, { name: 'sim', context: { cluster: 'sim', user: 'u', namespace: 'shop' } }],
    }));
  });
  after(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a kubeconfig file and picks a context with its namespace, as kubectl does', async () => {
    const c = KubeClient.load({ kubeconfig: file, context: 'sim' });
    assert.equal(c.server, sim.url);
    assert.equal(c.namespace, 'shop');
    const list = await c.getJson<{ items: unknown[] }>('/api/v1/namespaces/default/pods');
    assert.equal(list.items.length, 3);
    assert.equal(KubeClient.load({ kubeconfig: file }).namespace, 'default');
  });

  it('an unknown context is named with the ones there are', () => {
    assert.throws(() => KubeClient.load({ kubeconfig: file, context: 'prod' }), /no context "prod" in the kubeconfig; it has broken, sim/);
  });

  it('API errors carry the Status message and reason; a dead server is a connection failure', async () => {
    const c = KubeClient.load({ kubeconfig: file, context: 'sim' });
    await assert.rejects(c.getJson('/api/v1/namespaces/default/pods/nope'), (err: unknown) => err instanceof KubeApiError && err.status === 404 && err.reason === 'NotFound' && err.message === 'pods "nope" not found');
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ pathPrefix: '/api/v1/pods', code: 429, count: 1, retryAfterSeconds: 2 }) });
    await assert.rejects(c.getJson('/api/v1/pods'), (err: unknown) => err instanceof KubeApiError && err.status === 429 && err.retryAfterMs === 2000);
    const dead = KubeClient.load({ kubeconfig: file });
    await assert.rejects(dead.getJson('/api/v1/pods'), (err: unknown) => err instanceof KubeApiError && err.status === 0 && err.reason === 'ConnectionFailed');
  });
});
