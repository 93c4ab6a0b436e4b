// Every fault the simulator injects, seen over HTTP as a client of the real API server would see it. The simulation
// runs on a manual clock, so each test decides exactly which lines exist.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SEED_BACKEND_PODS, SEED_NGINX_POD } from './scenario/seed-scenario.ts';
import type { Simulation, SimulationOptions } from './simulation.ts';
import { control, getText, openStream, sleep } from './testing/http-probe.ts';
import { withSimulation } from './testing/with-simulation.ts';

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
const LOG = `/api/v1/namespaces/default/pods/${SEED_NGINX_POD}/log?container=envoy`;
const STAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /g;

const withSim = (options: SimulationOptions, run: (sim: Simulation) => Promise<void>) => withSimulation(T0, options, run);

const envoyStatus = (sim: Simulation) =>
  (sim.store.get('pods', 'default', SEED_NGINX_POD)!.status as any).containerStatuses.find((c: any) => c.name === 'envoy');
const status = async (sim: Simulation) => (await fetch(`${sim.url}/_sim/status`)).json() as Promise<any>;
const requestIds = (text: string) => [...text.matchAll(/ ([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}) /g)].map((m) => m[1]!);

describe('log stream faults', () => {
  it('drop: the connection is reset mid-stream, with no terminating chunk; the container keeps running', () =>
    withSim({}, async (sim) => {
      const stream = await openStream(`${sim.url}${LOG}&follow=true&timestamps=true`);
      sim.advance(1000);
      await stream.waitFor('app_service');
      const r = await control(sim.url, 'streams/drop', { kind: 'log', pod: SEED_NGINX_POD, container: 'envoy' });
      assert.deepEqual(r.body, { ok: true, affected: 1 });
      assert.equal(await stream.ended, 'cut');
      assert.ok(envoyStatus(sim).state.running);
    }));

  it('stall: the stream stays open and silent while the container writes; a new request gets those lines', () =>
    withSim({}, async (sim) => {
      const stream = await openStream(`${sim.url}${LOG}&follow=true&tailLines=0`);
      assert.equal((await control(sim.url, 'streams/stall', { kind: 'log' })).body.affected, 1);
      sim.advance(2000);
      await sleep(150);
      assert.equal(stream.text(), '', 'a stalled stream delivers nothing');
      assert.equal(sim.api.streams.count('log'), 1, 'and it is still open');
      const again = await getText(`${sim.url}${LOG}&sinceTime=${new Date(T0).toISOString()}`);
      assert.equal(requestIds(again.body).length, 40);
      stream.close();
    }));

  it('end: a clean end while the container still runs, so an EOF does not prove the container stopped', () =>
    withSim({}, async (sim) => {
      const stream = await openStream(`${sim.url}${LOG}&follow=true`);
      const id = envoyStatus(sim).containerID;
      await control(sim.url, 'streams/end', { kind: 'log' });
      assert.equal(await stream.ended, 'clean');
      assert.equal(envoyStatus(sim).containerID, id);
      assert.ok(envoyStatus(sim).state.running);
    }));

  it('rotation: tailLines and sinceTime reach only the current file; a follow is not affected', () =>
    withSim({}, async (sim) => {
      sim.advance(2000);
      const follow = await openStream(`${sim.url}${LOG}&follow=true&tailLines=0`);
      assert.equal((await control(sim.url, 'pods/default/nginx-test-6df974c9f9-qksd4/containers/envoy/rotate')).status, 200);
      sim.advance(1000);
      const all = await getText(`${sim.url}${LOG}&sinceTime=${new Date(T0 - 60_000).toISOString()}`);
      assert.equal(requestIds(all.body).length, 20, 'only the 20 lines written after the rotation');
      assert.equal(requestIds((await getText(`${sim.url}${LOG}&tailLines=1000`)).body).length, 20);
      await follow.waitFor(/(app_service.*\n[^]*){20}/);
      const counters = (await status(sim)).instances.find((i: any) => i.container === 'envoy');
      assert.equal(counters.accessLines, 60);
      assert.equal(counters.inCurrentFile, 20);
      follow.close();
    }));

  it('a line over 16 KiB becomes partial records: with timestamps, stamps appear inside the line', () =>
    withSim({}, async (sim) => {
      const r = await control(sim.url, 'pods/default/nginx-test-6df974c9f9-qksd4/containers/envoy/long-line', { bytes: 40_000 });
      assert.equal(r.status, 200);
      assert.equal(r.body.records, 3);
      const stamped = (await getText(`${sim.url}${LOG}&timestamps=true&tailLines=3`)).body;
      assert.equal(stamped.split('\n').length, 2, 'one logical line');
      assert.equal(stamped.match(STAMP)!.length, 3, 'a stamp before each record');
      assert.ok(stamped.includes(r.body.requestId));
      const plain = (await getText(`${sim.url}${LOG}&tailLines=3`)).body;
      assert.doesNotMatch(plain, STAMP);
      assert.ok(plain.length > 40_000 && plain.endsWith(' app_service -\n'), 'without timestamps the line is whole');
    }));
});

describe('container lifecycle as the log API shows it', () => {
  it('restart: the follow of the old instance ends cleanly; previous=true reads it; the new instance has its own log', () =>
    withSim({}, async (sim) => {
      sim.advance(1000);
      const follow = await openStream(`${sim.url}${LOG}&follow=true`);
      const r = await control(sim.url, 'pods/default/nginx-test-6df974c9f9-qksd4/containers/envoy/restart');
      assert.equal(r.body.restartCount, 1);
      assert.equal(await follow.ended, 'clean');
      sim.advance(1000);
      const previous = (await getText(`${sim.url}${LOG}&previous=true`)).body;
      assert.match(previous, /caught ENVOY_SIGTERM/);
      assert.equal(requestIds(previous).length, 20);
      const current = (await getText(`${sim.url}${LOG}`)).body;
      assert.match(current.split('\n')[0]!, /initializing epoch 0/);
      assert.equal(requestIds(current).length, 20);
    }));

  it('crash loop: while the container waits in CrashLoopBackOff, a plain log request returns the dead instance again', () =>
    withSim({}, async (sim) => {
      sim.advance(1000);
      await control(sim.url, 'pods/default/nginx-test-6df974c9f9-qksd4/containers/envoy/restart', { crashLoop: { times: 1, backoffMs: 5000 } });
      assert.equal(envoyStatus(sim).state.waiting.reason, 'CrashLoopBackOff');
      const plain = await getText(`${sim.url}${LOG}`);
      const previous = await getText(`${sim.url}${LOG}&previous=true`);
      assert.equal(plain.status, 200);
      assert.equal(plain.body, previous.body, 'the same (old) instance: a naive client reads it twice');
      assert.equal(requestIds(plain.body).length, 20);
      sim.advance(5000 + 400 + 10_000 + 100);
      assert.ok(envoyStatus(sim).state.running);
      assert.notEqual((await getText(`${sim.url}${LOG}`)).body, plain.body);
    }));

  it('two restarts while a client was away: only the newest dead instance is reachable', () =>
    withSim({}, async (sim) => {
      sim.advance(1000);
      const first = envoyStatus(sim).containerID;
      await control(sim.url, 'pods/default/nginx-test-6df974c9f9-qksd4/containers/envoy/restart');
      sim.advance(1000);
      const second = envoyStatus(sim).containerID;
      await control(sim.url, 'pods/default/nginx-test-6df974c9f9-qksd4/containers/envoy/restart');
      assert.equal(envoyStatus(sim).lastState.terminated.containerID, second);
      const instances = (await status(sim)).instances.filter((i: any) => i.container === 'envoy');
      assert.deepEqual(instances.map((i: any) => [i.containerID === first, i.reachable, i.accessLines]), [[true, false, 20], [false, true, 20], [false, true, 0]]);
      const previous = (await getText(`${sim.url}${LOG}&previous=true`)).body;
      assert.equal(requestIds(previous).length, 20);
    }));

  it('pod churn with IP reuse: watchers see the old pod terminate and go, and a later pod get its IP', () =>
    withSim({ terminationMs: 100, ipReuseDelayMs: 0 }, async (sim) => {
      const list = (await (await fetch(`${sim.url}/api/v1/namespaces/default/pods`)).json()) as any;
      const watch = await openStream(`${sim.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
      const first = await control(sim.url, 'workloads/default/backend/churn');
      assert.equal(first.body.deleted, SEED_BACKEND_PODS[0]!.name);
      sim.advance(200);
      await control(sim.url, 'workloads/default/backend/churn');
      sim.advance(200);
      await watch.waitFor(/"type":"ADDED".*"podIP":"10\.244\.0\.81"/);
      const events = watch.text().trim().split('\n').map((l) => JSON.parse(l));
      const of = (name: string) => events.filter((e) => e.object.metadata.name === name).map((e) => e.type);
      assert.deepEqual(of(SEED_BACKEND_PODS[0]!.name).at(-1), 'DELETED');
      assert.ok(events.some((e) => e.type === 'MODIFIED' && e.object.metadata.name === SEED_BACKEND_PODS[0]!.name && e.object.metadata.deletionTimestamp));
      const reused = events.find((e) => e.type === 'ADDED' && e.object.status.podIP === '10.244.0.81')!;
      assert.notEqual(reused.object.metadata.name, SEED_BACKEND_PODS[0]!.name);
      assert.notEqual(reused.object.metadata.uid, events.find((e) => e.object.metadata.name === SEED_BACKEND_PODS[0]!.name)!.object.metadata.uid);
      watch.close();
    }));

  it('a deleted pod: its follow ends cleanly, then its log is 404', () =>
    withSim({ terminationMs: 500 }, async (sim) => {
      const follow = await openStream(`${sim.url}${LOG}&follow=true`);
      const del = await fetch(`${sim.url}/api/v1/namespaces/default/pods/${SEED_NGINX_POD}`, { method: 'DELETE' });
      assert.equal(del.status, 200);
      assert.ok(((await del.json()) as any).metadata.deletionTimestamp);
      sim.advance(500);
      assert.equal(await follow.ended, 'clean');
      const gone = await getText(`${sim.url}${LOG}`);
      assert.equal(gone.status, 404);
      assert.equal(JSON.parse(gone.body).message, `pods "${SEED_NGINX_POD}" not found`);
    }));
});

describe('API faults', () => {
  it('the next watch gets 200 and one ERROR 410 Expired event; compacted history expires old resourceVersions', () =>
    withSim({}, async (sim) => {
      const rv = ((await (await fetch(`${sim.url}/api/v1/pods`)).json()) as any).metadata.resourceVersion;
      await control(sim.url, 'watches/expire', { next: 1, compact: false });
      const expired = await openStream(`${sim.url}/api/v1/pods?watch=true&resourceVersion=${rv}`);
      assert.equal(expired.status, 200);
      assert.equal(await expired.ended, 'clean');
      const event = JSON.parse(expired.text());
      assert.equal(event.type, 'ERROR');
      assert.deepEqual([event.object.code, event.object.reason], [410, 'Expired']);
      const fine = await openStream(`${sim.url}/api/v1/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
      assert.equal(await fine.ended, 'clean');
      assert.equal(fine.text(), '', 'the fault was for one watch only');
      await control(sim.url, 'workloads/default/backend/churn');
      await control(sim.url, 'watches/expire', { compact: true });
      const old = await openStream(`${sim.url}/api/v1/pods?watch=true&resourceVersion=${rv}`);
      await old.ended;
      assert.match(JSON.parse(old.text()).object.message, new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`));
    }));

  it('500, 403 and 429 for the next requests on a path, as the apiserver words them; then normal service', () =>
    withSim({}, async (sim) => {
      const path = '/api/v1/namespaces/default/pods';
      for (const code of [500, 403, 429]) {
        const r = await control(sim.url, 'faults', { pathPrefix: path, code, count: 1, ...(code === 429 ? { retryAfterSeconds: 3 } : {}) });
        assert.equal(r.status, 200);
      }
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await getText(sim.url + path));
      assert.deepEqual(answers.map((a) => a.status), [500, 403, 429, 200]);
      const [e500, e403, e429] = answers.map((a) => JSON.parse(a.body));
      assert.deepEqual([e500.kind, e500.reason, e500.message], ['Status', 'InternalError', 'Internal error occurred: etcdserver: request timed out']);
      assert.equal(e403.reason, 'Forbidden');
      assert.equal(e403.message, 'pods is forbidden: User "system:serviceaccount:envoy-lens:envoy-lens" cannot list resource "pods" in API group "" in the namespace "default"');
      assert.deepEqual([e429.reason, e429.details.retryAfterSeconds, answers[2]!.headers.get('retry-after')], ['TooManyRequests', 3, '3']);
      assert.equal(JSON.parse(answers[3]!.body).kind, 'PodList');
    }));

  it('a fault can target watches only, or log requests', () =>
    withSim({}, async (sim) => {
      await control(sim.url, 'faults', { pathPrefix: '/api/v1/namespaces/default/pods', watch: true, code: 500, count: 1 });
      assert.equal((await getText(`${sim.url}/api/v1/namespaces/default/pods`)).status, 200);
      assert.equal((await getText(`${sim.url}/api/v1/namespaces/default/pods?watch=true`)).status, 500);
      await control(sim.url, 'faults', { pathPrefix: `/api/v1/namespaces/default/pods/${SEED_NGINX_POD}/log`, code: 403, count: 1 });
      const denied = JSON.parse((await getText(`${sim.url}${LOG}`)).body);
      assert.match(denied.message, /cannot get resource "pods\/log" in API group "" in the namespace "default"$/);
    }));

  it('latency holds a request as long as asked', () =>
    withSim({}, async (sim) => {
      await fetch(`${sim.url}/_sim/latency`, { method: 'POST', body: JSON.stringify({ pathPrefix: '/api/v1/pods', ms: 300, count: 1 }) });
      const t = performance.now();
      assert.equal((await getText(`${sim.url}/api/v1/pods`)).status, 200);
      assert.ok(performance.now() - t >= 290);
    }));
});

describe('control API and ground truth', () => {
  it('pausing traffic stops new access lines; the rate sets how many', () =>
    withSim({}, async (sim) => {
      sim.advance(1000);
      await control(sim.url, 'traffic', { paused: true });
      sim.advance(5000);
      assert.equal((await status(sim)).traffic.accessLines, 20);
      await control(sim.url, 'traffic', { paused: false, rate: 100 });
      sim.advance(1000);
      assert.equal((await status(sim)).traffic.accessLines, 120);
    }));

  it('the counters per container instance match what the log endpoint serves and /_sim/written lists', () =>
    withSim({ scenario: { name: 'large' }, rate: 60 }, async (sim) => {
      sim.advance(3000);
      const instances = (await status(sim)).instances.filter((i: any) => i.reachable && (i.container === 'envoy' || i.container === 'istio-proxy'));
      assert.ok(instances.length >= 20);
      for (const i of instances.slice(0, 8)) {
        const body = (await getText(`${sim.url}/api/v1/namespaces/${i.namespace}/pods/${i.pod}/log?container=${i.container}&timestamps=true`)).body;
        assert.equal(body.split('\n').length - 1, i.records, `${i.pod}`);
        const written = (await getText(`${sim.url}/_sim/written?pod=${i.pod}&container=${i.container}&access=true&fields=requestId,containerID`)).body.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
        assert.equal(written.length, i.accessLines);
        assert.ok(written.every((w) => w.containerID === i.containerID && body.includes(w.requestId)));
      }
    }));

  it('scale adds pods; a scenario switch deletes every object (watchers see it) and starts the other scenario', () =>
    withSim({}, async (sim) => {
      assert.equal((await control(sim.url, 'workloads/default/backend/scale', { replicas: 3 })).status, 200);
      const backends = (await (await fetch(`${sim.url}/api/v1/namespaces/default/pods?labelSelector=app%3Dbackend`)).json()) as any;
      assert.deepEqual(backends.items.map((p: any) => p.status.podIP).sort(), ['10.244.0.81', '10.244.0.82', '10.244.0.83']);
      const watch = await openStream(`${sim.url}/api/v1/pods?watch=true&resourceVersion=${backends.metadata.resourceVersion}`);
      const r = await control(sim.url, 'scenario', { name: 'large' });
      assert.equal(r.status, 200);
      await watch.waitFor(/"type":"ADDED".*"namespace":"envoy-system"/);
      const events = watch.text().trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(events.filter((e) => e.type === 'DELETED').map((e) => e.object.metadata.namespace), ['default', 'default', 'default', 'default']);
      const ns = (await (await fetch(`${sim.url}/api/v1/namespaces`)).json()) as any;
      assert.deepEqual(ns.items.map((n: any) => n.metadata.name), ['default', 'edge', 'envoy-system', 'payments', 'shop']);
      const bad = await control(sim.url, 'scenario', { name: 'large', variant: 'headless' });
      assert.deepEqual([bad.status, bad.body.error], [400, 'variant: only the seed scenario has variants']);
      watch.close();
    }));

  it('open streams are counted (for concurrency caps)', () =>
    withSim({}, async (sim) => {
      const streams = await Promise.all([0, 1, 2].map(() => openStream(`${sim.url}${LOG}&follow=true`)));
      const watch = await openStream(`${sim.url}/api/v1/pods?watch=true`);
      assert.deepEqual((await status(sim)).streams, { logs: 3, watches: 1 });
      for (const s of [...streams, watch]) s.close();
      await sleep(100);
      assert.deepEqual((await status(sim)).streams, { logs: 0, watches: 0 });
    }));

  it('bad control input is a 400 that names the field; unknown routes a 404 listing where to look', () =>
    withSim({}, async (sim) => {
      const bad = await control(sim.url, 'traffic', { rate: -1 });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /^rate: /);
      const extra = await control(sim.url, 'traffic', { speed: 3 });
      assert.equal(extra.status, 400);
      const notJson = await fetch(`${sim.url}/_sim/traffic`, { method: 'POST', body: '{nope' });
      assert.equal(notJson.status, 400);
      assert.match(((await notJson.json()) as any).error, /^the body is not JSON/);
      const missing = await control(sim.url, 'pods/default/nope/containers/envoy/restart');
      assert.deepEqual([missing.status, missing.body.error], [404, 'pods "nope" not found in namespace default']);
      const unknown = await control(sim.url, 'launch-missiles');
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.error, /GET \/_sim lists them/);
    }));
});
