// Hostile or careless clients against the simulator: malformed objects, paths and parameters get the apiserver's
// errors and change nothing; a client that stops reading does not make the server buffer its log; a stalled stream
// stays silent even when its container stops.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { describe, it } from 'node:test';
import { SEED_BACKEND_PODS, SEED_NGINX_POD } from './scenario/seed-scenario.ts';
import type { Simulation, SimulationOptions } from './simulation.ts';
import { control, getText, openStream, sleep } from './testing/http-probe.ts';
import { withSimulation } from './testing/with-simulation.ts';

const T0 = Date.UTC(2026, 3, 1, 9, 0, 0);
const LOG = `/api/v1/namespaces/default/pods/${SEED_NGINX_POD}/log?container=envoy`;

const withSim = (options: SimulationOptions, run: (sim: Simulation) => Promise<void>) => withSimulation(T0, options, run);

async function send(url: string, method: string, body: unknown, contentType = 'application/json') {
  const r = await fetch(url, { method, headers: { 'Content-Type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as any };
}

describe('malformed input gets the apiserver answer and stores nothing', () => {
  it('objects with wrongly typed fields are 422 Invalid naming the field', () =>
    withSim({}, async (sim) => {
      const rv = sim.store.resourceVersion;
      const pod = await send(`${sim.url}/api/v1/namespaces/default/pods`, 'POST', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' }, spec: { containers: [{ name: 'c', image: 5 }] },
      });
      assert.deepEqual([pod.status, pod.body.reason], [422, 'Invalid']);
      assert.equal(pod.body.message, 'Pod "bad" is invalid: spec.containers[0].image: Invalid value: 5: Invalid input: expected string, received number');
      const svc = await send(`${sim.url}/api/v1/namespaces/default/services`, 'POST', {
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'Bad_Name' }, spec: { ports: 'x' },
      });
      assert.equal(svc.status, 422);
      assert.match(svc.body.message, /^Service "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain .*, spec\.ports: Invalid value: "x": /);
      const cm = await send(`${sim.url}/api/v1/namespaces/default/configmaps/envoy-config`, 'PATCH', { data: { 'envoy.yaml': 42 } }, 'application/merge-patch+json');
      assert.equal(cm.status, 422);
      assert.equal(sim.store.resourceVersion, rv, 'nothing was stored');
      sim.advance(1000);
      assert.ok(sim.traffic.stats.accessLines > 0, 'the cluster runs on');
    }));

  it('a missing namespace is 404; a missing pod on DELETE is 404 NotFound with details', () =>
    withSim({}, async (sim) => {
      const ns = await send(`${sim.url}/api/v1/namespaces/nowhere/configmaps`, 'POST', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
      assert.deepEqual([ns.status, ns.body.message], [404, 'namespaces "nowhere" not found']);
      const del = await send(`${sim.url}/api/v1/namespaces/default/pods/nope`, 'DELETE', {});
      assert.deepEqual([del.status, del.body.reason, del.body.message, del.body.details], [404, 'NotFound', 'pods "nope" not found', { name: 'nope', kind: 'pods' }]);
    }));

  it('bad paths and parameters: 400s, never 500; log options are checked before the pod is looked up', () =>
    withSim({}, async (sim) => {
      assert.equal((await getText(`${sim.url}/api/v1/namespaces/%E0%A4%A/pods`)).status, 400);
      assert.equal((await getText(`${sim.url}/api/v1/namespaces/default%2Fx/pods`)).status, 404);
      const rv = await getText(`${sim.url}/api/v1/pods?watch=true&resourceVersion=abc`);
      assert.equal(rv.status, 400);
      assert.match(JSON.parse(rv.body).message, /^resourceVersion: Invalid value: "abc"/);
      assert.equal((await getText(`${sim.url}/api/v1/pods?watch=true&timeoutSeconds=-1`)).status, 400);
      const opts = await getText('' + sim.url + '/api/v1/namespaces/default/pods/nope/log?tailLines=-1&limitBytes=0');
      assert.equal(opts.status, 422);
      assert.equal(JSON.parse(opts.body).message, 'PodLogOptions "nope" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]');
    }));

  it('a huge timeoutSeconds keeps the watch open; a huge sinceSeconds returns the whole log', () =>
    withSim({}, async (sim) => {
      const watch = await openStream(`${sim.url}/api/v1/pods?watch=true&timeoutSeconds=99999999999`);
      await sleep(200);
      assert.equal(sim.api.streams.count('watch'), 1);
      watch.close();
      sim.advance(1000);
      const all = await getText(`${sim.url}${LOG}&sinceSeconds=999999999999`);
      assert.equal(all.status, 200);
      assert.equal((all.body.match(/app_service/g) ?? []).length, 20);
    }));

  it('control input is bounded: no zero back-off, no endless advance', () =>
    withSim({}, async (sim) => {
      const zero = await control(sim.url, `pods/default/${SEED_NGINX_POD}/containers/envoy/restart`, { crashLoop: { times: 3, backoffMs: 0 } });
      assert.equal(zero.status, 400);
      await control(sim.url, 'traffic', { rate: 100_000 });
      const huge = await control(sim.url, 'advance', { ms: 3_600_000 });
      assert.equal(huge.status, 400);
      assert.match(huge.body.error, /advance in smaller steps/);
    }));
});

describe('lifecycle corner cases', () => {
  it('a crash loop asked for while the container already waits in CrashLoopBackOff still ends running', () =>
    withSim({}, async (sim) => {
      const path = `pods/default/${SEED_NGINX_POD}/containers/envoy/restart`;
      await control(sim.url, path, { crashLoop: { times: 1, backoffMs: 1000 } });
      await control(sim.url, path, { crashLoop: { times: 1, backoffMs: 1000 } });
      sim.advance(60_000);
      const st = (sim.store.get('pods', 'default', SEED_NGINX_POD)!.status as any).containerStatuses.find((c: any) => c.name === 'envoy');
      assert.ok(st.state.running, JSON.stringify(st.state));
    }));

  it('at deletion the last status keeps lastState for the instance before, not the one that just stopped', () =>
    withSim({ terminationMs: 100 }, async (sim) => {
      const list = (await (await fetch(`${sim.url}/api/v1/namespaces/default/pods`)).json()) as any;
      const watch = await openStream(`${sim.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
      await fetch(`${sim.url}/api/v1/namespaces/default/pods/${SEED_BACKEND_PODS[0]!.name}`, { method: 'DELETE' });
      sim.advance(200);
      await watch.waitFor(/"type":"DELETED"/);
      const last = watch.text().trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.object.metadata.name === SEED_BACKEND_PODS[0]!.name).at(-2);
      const cs = last.object.status.containerStatuses[0];
      assert.ok(cs.state.terminated);
      assert.deepEqual(cs.lastState, {});
      watch.close();
    }));

  it('a named targetPort is resolved to the container port number in the EndpointSlice', () =>
    withSim({}, async (sim) => {
      const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'by-name' }, spec: { selector: { app: 'nginx-test' }, ports: [{ port: 80, targetPort: 'web' }] } };
      const pod = sim.store.get('pods', 'default', SEED_NGINX_POD)!;
      (pod.spec as any).containers[0].ports = [{ name: 'web', containerPort: 8081 }];
      delete pod.metadata.resourceVersion;
      sim.store.update(pod);
      assert.equal((await send(`${sim.url}/api/v1/namespaces/default/services`, 'POST', svc)).status, 201);
      const slice = sim.store.list('endpointslices').find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'by-name')!;
      assert.deepEqual((slice.ports as any[])[0].port, 8081);
    }));
});

describe('slow and stalled clients', () => {
  it('a follower that stops reading holds the stream back instead of filling server memory; it loses nothing', () =>
    withSim({ rate: 5000 }, async (sim) => {
      const received: string[] = [];
      let paused: import('node:http').IncomingMessage | undefined;
      await new Promise<void>((resolve) => {
        get(`${sim.url}${LOG}&follow=true&tailLines=0`, (res) => {
          paused = res;
          res.setEncoding('utf8');
          res.pause();
          res.on('data', (d: string) => received.push(d));
          resolve();
        });
      });
      for (let i = 0; i < 40; i++) sim.advance(500); // 100,000 lines, about 25 MB
      await sleep(300);
      const stream = sim.api.streams.select({ kind: 'log' })[0]!;
      assert.ok(stream.buffered() < 1024 * 1024, `${stream.buffered()} bytes queued for a client that reads nothing`);
      paused!.resume();
      const deadline = Date.now() + 20_000;
      while ((received.join('').match(/\n/g) ?? []).length < 100_000 && Date.now() < deadline) await sleep(50);
      const ids = received.join('').trim().split('\n').map((l) => / ([0-9a-f-]{36}) /.exec(l)?.[1]);
      const written = sim.logs.all().find((i) => i.ref.container === 'envoy')!.lines.filter((l) => l.requestId).map((l) => l.requestId);
      assert.deepEqual(ids, written);
      paused!.destroy();
    }));

  it('a stalled stream stays open and silent even when its container stops', () =>
    withSim({}, async (sim) => {
      const follow = await openStream(`${sim.url}${LOG}&follow=true&tailLines=0`);
      await control(sim.url, 'streams/stall', { kind: 'log' });
      await control(sim.url, `pods/default/${SEED_NGINX_POD}/containers/envoy/restart`);
      const outcome = await Promise.race([follow.ended, sleep(300).then(() => 'open')]);
      assert.equal(outcome, 'open');
      assert.equal(follow.text(), '');
      await control(sim.url, 'streams/drop', { kind: 'log' });
      assert.equal(await follow.ended, 'cut');
    }));
});
