// @kubernetes/client-node 2 against the simulator through the kubeconfig the simulator wrote: list, watch, an informer
// that relists after 410, and a followed log, including how a cut stream and a restart reach the client.
import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { SEED_NGINX_POD } from './scenario/seed-scenario.ts';
import { Simulation } from './simulation.ts';
import { control, sleep } from './testing/http-probe.ts';

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('client-node 2 against the simulator', () => {
  let sim: Simulation;
  let dir: string;
  const kc = new k8s.KubeConfig();

  before(async () => {
    sim = await Simulation.start({ rate: 40, terminationMs: 200 });
    dir = await mkdtemp(join(tmpdir(), 'envoy-lens-cn-'));
    kc.loadFromFile(await sim.writeKubeconfig(join(dir, 'kubeconfig')));
  });
  after(async () => {
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists pods with their container IDs through the written kubeconfig', async () => {
    assert.equal(kc.getCurrentContext(), 'envoy-lens-sim');
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=backend' });
    assert.deepEqual(list.items.map((p) => p.status?.podIP), ['10.244.0.81', '10.244.0.82']);
    for (const p of list.items) assert.match(p.status?.containerStatuses?.[0]?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
    assert.ok(Number(list.metadata?.resourceVersion) > 0);
  });

  it('watch from the list resourceVersion sees a churned pod terminate and its replacement arrive', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedPod({ namespace: 'default' });
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const ctl = await watch.watch('/api/v1/namespaces/default/pods', { resourceVersion: list.metadata!.resourceVersion }, (type, obj: k8s.V1Pod) => {
      events.push(`${type} ${obj.metadata?.name} ${obj.metadata?.deletionTimestamp ? 'terminating' : ''}`.trim());
    }, () => {});
    try {
      const churn = await control(sim.url, 'workloads/default/backend/churn');
      const gone = churn.body.deleted as string;
      await until('DELETED', () => events.some((e) => e.startsWith(`DELETED ${gone}`)));
      assert.ok(events.some((e) => e === `MODIFIED ${gone} terminating`));
      assert.ok(events.some((e) => /^ADDED backend-7b9c5d8f6d-\w{5}$/.test(e) && !e.includes(gone)));
    } finally {
      ctl.abort();
    }
  });

  it('an informer relists after its watch is told 410 Expired, and catches up', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default' }));
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      const names = () => informer.list().map((p) => p.metadata!.name!);
      await until('the initial list', () => names().length === 3);
      // The next watch the informer opens gets 410; closing its current one makes it open another.
      await control(sim.url, 'watches/expire', { next: 1, compact: true });
      const churn = await control(sim.url, 'workloads/default/backend/churn');
      await control(sim.url, 'streams/end', { kind: 'watch' });
      await until('the informer to drop the deleted pod', () => !names().includes(churn.body.deleted), 15_000);
      assert.equal(names().length, 3);
      assert.deepEqual(errors, []);
      assert.equal(sim.faults.pending().expireWatches, 0, 'the informer did open a watch that got 410');
    } finally {
      await informer.stop();
    }
  });

  it('Log.log follows an Envoy: lines arrive; a restart ends the stream cleanly; a cut stream errors its source', async () => {
    const log = new k8s.Log(kc);
    const follow = async () => {
      const out = new PassThrough();
      let text = '';
      let sourceError: Error | undefined;
      out.on('data', (d: Buffer) => (text += d.toString()));
      // client-node pipes a hidden source into the writable; without this listener a cut stream is an uncaught error.
      out.on('pipe', (src) => src.on('error', (e: Error) => (sourceError = e)));
      const finished = new Promise<void>((r) => out.on('finish', () => r()));
      const ctl = await log.log('default', SEED_NGINX_POD, 'envoy', out, { follow: true, timestamps: true, tailLines: 1 });
      return { text: () => text, error: () => sourceError, finished, ctl };
    };
    const a = await follow();
    await until('access lines', () => (a.text().match(/app_service/g) ?? []).length >= 3);
    assert.match(a.text(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \[/);
    await control(sim.url, `pods/default/${SEED_NGINX_POD}/containers/envoy/restart`);
    await a.finished;
    assert.equal(a.error(), undefined);

    const b = await follow();
    await until('access lines', () => b.text().includes('app_service'));
    await control(sim.url, 'streams/drop', { kind: 'log' });
    await until('the source error', () => b.error() !== undefined);
    assert.match(String(b.error()?.message), /terminated/);
    b.ctl.abort();
  });
});
