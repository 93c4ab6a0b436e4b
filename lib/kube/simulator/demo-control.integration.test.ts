// The demo panel's actions against a running simulator: each one changes what it says it changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { demoActionSchema, demoState, runDemoAction } from './demo-control.ts';
import { Simulation } from './simulation.ts';

describe('demo control (simulator over HTTP)', () => {
  let sim: Simulation;
  before(async () => {
    sim = await Simulation.start({ rate: 5 });
  });
  after(async () => {
    await sim?.stop();
  });

  test('switch to headless, restart Envoy, churn a backend, set the rate', async () => {
    const before = await demoState(sim.url);
    assert.equal(before.rate, 5);
    assert.deepEqual(before.pods.map((p) => p.name).filter((n) => n.startsWith('default/backend-')).length, 2);

    assert.match(await runDemoAction(sim.url, { action: 'config', variant: 'headless' }), /headless Service/);
    const cm = (await (await fetch(`${sim.url}/api/v1/namespaces/default/configmaps/envoy-config`)).json()) as { data: Record<string, string> };
    assert.match(cm.data['envoy.yaml']!, /backend-headless-service/);

    assert.match(await runDemoAction(sim.url, { action: 'restart-envoy' }), /Restarted the Envoy container of nginx-test-/);
    const nginx = (s: Awaited<ReturnType<typeof demoState>>) => s.pods.find((p) => p.name.startsWith('default/nginx-test-'))!;
    assert.equal(nginx(await demoState(sim.url)).restarts, nginx(before).restarts + 1);

    await runDemoAction(sim.url, { action: 'churn' });
    const backends = (await demoState(sim.url)).pods.filter((p) => p.name.startsWith('default/backend-')).map((p) => p.name);
    assert.ok(backends.some((n) => !before.pods.some((p) => p.name === n)), `a new backend pod: ${backends.join(', ')}`);

    assert.equal(await runDemoAction(sim.url, { action: 'rate', rate: 0 }), 'Traffic paused.');
    assert.deepEqual([(await demoState(sim.url)).rate, (await demoState(sim.url)).paused], [0, true]);
    await runDemoAction(sim.url, { action: 'rate', rate: 40 });
    assert.deepEqual([(await demoState(sim.url)).rate, (await demoState(sim.url)).paused], [40, false]);
  });

  test('bad actions are refused by the schema; an unreachable simulator is an error naming it', async () => {
    for (const bad of [{ action: 'delete-everything' }, { action: 'rate', rate: -1 }, { action: 'config', variant: 'nodeport' }, {}]) {
      assert.equal(demoActionSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
    await assert.rejects(demoState('http://127.0.0.1:1/'), /fetch failed|ECONNREFUSED/);
  });
});
