// The simulated cluster on a manual clock: traffic, config changes, restarts, crash loops, deletion and IP reuse, the
// larger scenario's request chain, determinism. The HTTP surface is tested in the *.integration.test.ts files.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFormat } from '../../envoy/compile-format.ts';
import { SEED_FORMAT } from '../../envoy/default-formats.ts';
import type { ContainerInstance } from './api/container-logs.ts';
import { ManualClock } from './cluster/sim-clock.ts';
import type { KubeObject } from './kube-object.ts';
import { seedConfigMap, SEED_BACKEND_PODS, SEED_NGINX_POD } from './scenario/seed-scenario.ts';
import { Simulation, type SimulationOptions } from './simulation.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const seedParser = compileFormat({ type: 'text', text: SEED_FORMAT });

function sim(options: SimulationOptions = {}): Simulation {
  return Simulation.create({ clock: new ManualClock(T0), ...options });
}

const instancesOf = (s: Simulation, pod: string, container: string): ContainerInstance[] =>
  s.logs.all().filter((i) => i.ref.pod === pod && i.ref.container === container);

/** Access lines (those carrying a request id) of every instance of a container, in order. */
function accessLines(s: Simulation, pod: string, container = 'envoy'): string[] {
  return instancesOf(s, pod, container).flatMap((i) => i.lines.filter((l) => l.requestId && !l.partial).map((l) => l.text));
}

function seedField(line: string, key: string): unknown {
  const r = seedParser.parse(line);
  assert.ok(r.ok, `does not parse: ${line}`);
  return r.values[seedParser.keys.indexOf(key)];
}

function applyConfigMap(s: Simulation, cm: KubeObject): void {
  const current = s.store.get('configmaps', cm.metadata.namespace, cm.metadata.name)!;
  s.store.update({ ...current, data: cm.data, metadata: { ...current.metadata, resourceVersion: undefined } });
}

const podStatus = (s: Simulation, name: string, ns = 'default') => s.store.get('pods', ns, name)?.status as any;
const envoyStatus = (s: Simulation) => podStatus(s, SEED_NGINX_POD).containerStatuses.find((c: any) => c.name === 'envoy');

describe('seed scenario traffic', () => {
  it('ClusterIP config: every access line parses and names the Service IP as upstream', () => {
    const s = sim({ rate: 20 });
    s.advance(5000);
    const lines = accessLines(s, SEED_NGINX_POD);
    assert.equal(lines.length, 100);
    for (const l of lines) assert.equal(seedField(l, 'UPSTREAM_HOST') ?? '10.105.148.194:10000', '10.105.148.194:10000');
    const upstreams = lines.map((l) => seedField(l, 'UPSTREAM_HOST')).filter(Boolean);
    assert.ok(upstreams.length >= 95, `most requests reach an upstream (${upstreams.length})`);
    // nginx in front logs each client request; the backends log what kube-proxy sent them, both get some.
    assert.equal(instancesOf(s, SEED_NGINX_POD, 'nginx')[0]!.lines.length, 1 + lines.length);
    const served = SEED_BACKEND_PODS.map((b) => instancesOf(s, b.name, 'backend')[0]!.lines.length - 1);
    assert.ok(served.every((n) => n > 20), `both backends served requests: ${served}`);
  });

  it('Envoy also writes its own startup messages, which are not access lines', () => {
    const s = sim();
    s.advance(1000);
    const envoy = instancesOf(s, SEED_NGINX_POD, 'envoy')[0]!;
    const own = envoy.lines.filter((l) => !l.requestId);
    assert.ok(own.length >= 8);
    for (const l of own) {
      assert.match(l.text, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]\[1\]\[(info|warning|critical)\]\[\w+\] /);
      assert.equal(seedParser.parse(l.text).ok, false, `an Envoy message must not parse as an access line: ${l.text}`);
    }
  });

  it('CRI timestamps never go back within an instance, and sit at or after the request end', () => {
    const s = sim({ rate: 50 });
    s.advance(3000);
    for (const i of s.logs.all()) {
      for (let k = 1; k < i.lines.length; k++) assert.ok(i.lines[k - 1]!.time <= i.lines[k]!.time, `${i.ref.container}: ${i.lines[k - 1]!.time} > ${i.lines[k]!.time}`);
    }
    for (const l of instancesOf(s, SEED_NGINX_POD, 'envoy')[0]!.lines.filter((x) => x.requestId)) {
      const start = (seedField(l.text, 'START_TIME') as { ms: number }).ms;
      const duration = seedField(l.text, 'DURATION') as number;
      assert.ok(Date.parse(`${l.time.slice(0, 23)}Z`) + 1 >= start + duration, `${l.time} before the request ended`);
    }
  });

  it('the same seed and clock give the same logs', () => {
    const texts = () => {
      const s = sim({ rate: 30, seed: 7 });
      s.advance(4000);
      return accessLines(s, SEED_NGINX_POD);
    };
    assert.deepEqual(texts(), texts());
  });
});

describe('config changes', () => {
  it('applying the headless ConfigMap hot-restarts Envoy in the same container; round robin alternates the two backends', () => {
    const s = sim({ rate: 10 });
    s.advance(3000);
    const id = envoyStatus(s).containerID;
    applyConfigMap(s, seedConfigMap('headless'));
    s.advance(6000);
    assert.equal(envoyStatus(s).containerID, id, 'a hot restart keeps the container');
    assert.equal(envoyStatus(s).restartCount, 0);
    const lines = accessLines(s, SEED_NGINX_POD);
    const before = lines.slice(0, 30).map((l) => seedField(l, 'UPSTREAM_HOST')).filter(Boolean);
    assert.deepEqual(new Set(before), new Set(['10.105.148.194:10000']));
    const after = lines.slice(30).map((l) => seedField(l, 'UPSTREAM_HOST')).filter(Boolean);
    assert.deepEqual(new Set(after), new Set(['10.244.0.81:10000', '10.244.0.82:10000']));
    for (let k = 1; k < after.length; k++) assert.notEqual(after[k], after[k - 1], 'round robin alternates');
    const own = instancesOf(s, SEED_NGINX_POD, 'envoy')[0]!.lines.map((l) => l.text);
    assert.ok(own.some((t) => t.includes('initializing epoch 1')));
  });

  it('configChange=restart: the change restarts the container, so the new lines are in a new instance', () => {
    const s = sim({ rate: 10, configChange: 'restart' });
    s.advance(2000);
    const old = envoyStatus(s).containerID;
    applyConfigMap(s, seedConfigMap('headless'));
    s.advance(2000);
    const st = envoyStatus(s);
    assert.notEqual(st.containerID, old);
    assert.equal(st.restartCount, 1);
    assert.equal(st.lastState.terminated.containerID, old);
    const [first, second] = instancesOf(s, SEED_NGINX_POD, 'envoy');
    assert.equal(first!.running, false);
    assert.ok(first!.lines.some((l) => l.text.includes('caught ENVOY_SIGTERM')));
    assert.ok(second!.lines.filter((l) => l.requestId).every((l) => !l.text.includes('10.105.148.194')));
  });

  it('a config Envoy refuses: a hot restart keeps the old epoch; a fresh start crash-loops until it is fixed', () => {
    const broken = seedConfigMap('headless');
    (broken.data as Record<string, string>)['envoy.yaml'] = (broken.data as Record<string, string>)['envoy.yaml']!.replace('%RESPONSE_FLAGS%', '%RESPONSE_FLAGZ%');
    const s = sim({ rate: 10 });
    s.advance(1000);
    applyConfigMap(s, broken);
    s.advance(2000);
    const texts = instancesOf(s, SEED_NGINX_POD, 'envoy')[0]!.lines.map((l) => l.text);
    assert.ok(texts.some((t) => /\[critical\].*RESPONSE_FLAGZ/.test(t)), 'the refusal is logged');
    assert.equal(envoyStatus(s).restartCount, 0);
    assert.ok(accessLines(s, SEED_NGINX_POD).slice(-5).every((l) => String(seedField(l, 'UPSTREAM_HOST') ?? '10.105.148.194').startsWith('10.105.148.194')));

    const r = sim({ rate: 10, configChange: 'restart', crashBackoffMs: 1000 });
    r.advance(1000);
    applyConfigMap(r, broken);
    r.advance(100);
    assert.equal(envoyStatus(r).state.waiting.reason, 'CrashLoopBackOff');
    r.advance(5000);
    assert.ok(envoyStatus(r).restartCount >= 2, 'it keeps crashing');
    applyConfigMap(r, seedConfigMap('headless'));
    r.advance(10_000);
    assert.ok('running' in envoyStatus(r).state, 'a fixed config lets it start');
    assert.match(accessLines(r, SEED_NGINX_POD).at(-1)!, /10\.244\.0\.8[12]:10000/);
  });
});

describe('container lifecycle', () => {
  it('restart: new containerID, the old one in lastState, one dead instance kept', () => {
    const s = sim();
    s.advance(1000);
    const first = envoyStatus(s).containerID;
    s.kubelet.restartContainer('default', SEED_NGINX_POD, 'envoy');
    s.advance(1000);
    const second = envoyStatus(s).containerID;
    s.kubelet.restartContainer('default', SEED_NGINX_POD, 'envoy', { exitCode: 137 });
    s.advance(1000);
    const st = envoyStatus(s);
    assert.equal(st.restartCount, 2);
    assert.equal(st.lastState.terminated.containerID, second);
    assert.equal(st.lastState.terminated.exitCode, 137);
    assert.equal(s.logs.byId(first), undefined, 'the kubelet keeps one dead instance: the first is gone');
    assert.ok(s.logs.byId(second));
    assert.equal(instancesOf(s, SEED_NGINX_POD, 'envoy').length, 3, 'the ground truth keeps all three');
  });

  it('crash loop: CrashLoopBackOff with a doubling back-off, then running again', () => {
    const s = sim({ rate: 10 });
    s.advance(1000);
    s.kubelet.restartContainer('default', SEED_NGINX_POD, 'envoy', { crashLoop: { times: 2, backoffMs: 1000 } });
    const waiting = envoyStatus(s).state.waiting;
    assert.equal(waiting.reason, 'CrashLoopBackOff');
    assert.match(waiting.message, /^back-off 1s restarting failed container=envoy pod=nginx-test-6df974c9f9-qksd4_default\(/);
    assert.equal(podStatus(s, SEED_NGINX_POD).conditions.find((c: any) => c.type === 'Ready').status, 'False');
    s.advance(1000); // starts, runs 300 ms, crashes: back-off 2 s
    s.advance(400);
    assert.match(envoyStatus(s).state.waiting.message, /^back-off 2s/);
    assert.equal(envoyStatus(s).lastState.terminated.exitCode, 139);
    s.advance(2000 + 400); // second crash: back-off 4 s
    s.advance(4000 + 100); // third start runs for good
    const st = envoyStatus(s);
    assert.ok('running' in st.state);
    assert.equal(st.restartCount, 3);
    s.advance(2000);
    assert.ok(accessLines(s, SEED_NGINX_POD).length > 0);
    const lived = instancesOf(s, SEED_NGINX_POD, 'envoy').map((i) => i.lines.some((l) => l.text.includes('Segmentation fault')));
    assert.deepEqual(lived, [false, true, true, false]);
  });

  it('a long line is split into 16 KiB partial records, with the request id on every record', () => {
    const s = sim();
    s.advance(500);
    const pod = s.kubelet.get('default', SEED_NGINX_POD)!;
    const text = `start ${'é'.repeat(20_000)} end`;
    assert.ok(s.kubelet.write(pod, 'envoy', text, s.clock.now(), 'rid-1'));
    const records = instancesOf(s, SEED_NGINX_POD, 'envoy')[0]!.lines.filter((l) => l.requestId === 'rid-1');
    assert.equal(records.length, 3);
    assert.deepEqual(records.map((r) => !!r.partial), [true, true, false]);
    assert.equal(records.map((r) => r.text).join(''), text);
    for (const r of records) assert.ok(Buffer.byteLength(r.text) <= 16 * 1024);
  });
});

describe('pod deletion, replacement and IP reuse', () => {
  it('graceful deletion: Terminating and out of the ready endpoints at once, gone after the containers exit', () => {
    const s = sim({ terminationMs: 2000 });
    s.advance(1000);
    const victim = SEED_BACKEND_PODS[0]!.name;
    const answer = s.kubelet.deletePod('default', victim);
    assert.ok(answer.metadata.deletionTimestamp);
    const slice = () => s.store.list('endpointslices').find((e) => e.metadata.labels?.['kubernetes.io/service-name'] === 'backend-headless-service')!;
    const ep = (slice().endpoints as any[]).find((e) => e.targetRef.name === victim);
    assert.deepEqual(ep.conditions, { ready: false, serving: true, terminating: true });
    const live = s.kubelet.list().filter((p) => p.workload?.name === 'backend' && p.deletingSince === undefined);
    assert.equal(live.length, 2, 'the ReplicaSet replaced it at once');
    const replacement = live.find((p) => p.name !== SEED_BACKEND_PODS[1]!.name)!;
    assert.match(replacement.name, /^backend-7b9c5d8f6d-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(replacement.ip, '10.244.0.83', 'host-local moves on from the last address given');
    s.advance(1999);
    assert.ok(s.store.get('pods', 'default', victim));
    s.advance(1);
    assert.equal(s.store.get('pods', 'default', victim), undefined);
    assert.deepEqual(new Set((slice().endpoints as any[]).map((e) => e.addresses[0])), new Set(['10.244.0.82', '10.244.0.83']));
  });

  it('a freed IP goes to a new pod only after the reuse delay', () => {
    const s = sim({ terminationMs: 100, ipReuseDelayMs: 30_000 });
    s.advance(1000);
    s.workloads.churn('default', 'backend'); // .81 deleted, replacement .83
    s.advance(1000);
    s.workloads.churn('default', 'backend'); // .82 deleted; .81 still cooling: .84
    s.advance(1000);
    const ips = () => s.kubelet.list().filter((p) => p.workload?.name === 'backend').map((p) => p.ip).sort();
    assert.deepEqual(ips(), ['10.244.0.83', '10.244.0.84']);
    s.advance(30_000);
    s.workloads.churn('default', 'backend'); // .83 deleted; .81 has cooled down: reused
    s.advance(1000);
    assert.deepEqual(ips(), ['10.244.0.81', '10.244.0.84']);
    const reuser = s.kubelet.podByIp('10.244.0.81')!;
    assert.notEqual(reuser.name, SEED_BACKEND_PODS[0]!.name, 'another pod holds the old IP');
  });

  it('headless DNS lags a deleted pod: Envoy sends to the gone IP (503 UF) until its next DNS refresh', () => {
    const s = sim({ rate: 20, terminationMs: 0, scenario: { name: 'seed', variant: 'headless' } });
    s.advance(1000);
    s.kubelet.deletePod('default', SEED_BACKEND_PODS[1]!.name, 0);
    s.advance(6000);
    const lines = accessLines(s, SEED_NGINX_POD).slice(20);
    const toGone = lines.filter((l) => seedField(l, 'UPSTREAM_HOST') === '10.244.0.82:10000');
    assert.ok(toGone.length > 0, 'some requests still went to the deleted pod');
    for (const l of toGone) {
      assert.equal(seedField(l, 'RESPONSE_CODE'), 503);
      assert.equal(seedField(l, 'RESPONSE_FLAGS'), 'UF,URX');
    }
    const last = lines.slice(-20).map((l) => seedField(l, 'UPSTREAM_HOST'));
    assert.ok(!last.includes('10.244.0.82:10000'), 'after the refresh only live pods are used');
  });

  it('a pod created through the API is scheduled, given an IP and run', async () => {
    const s = sim();
    s.store.create({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'default', labels: { app: 'backend' } },
      spec: { containers: [{ name: 'shell', image: 'busybox:1.36' }] },
    });
    await Promise.resolve();
    const pod = s.store.get('pods', 'default', 'debug')!;
    assert.equal((pod.spec as any).nodeName, 'wilson');
    assert.equal((pod.status as any).podIP, '10.244.0.83');
    assert.ok((pod.status as any).containerStatuses[0].state.running);
    const slice = s.store.list('endpointslices').find((e) => e.metadata.labels?.['kubernetes.io/service-name'] === 'backend-service')!;
    assert.ok((slice.endpoints as any[]).some((e) => e.targetRef.name === 'debug'), 'it matches the backend selector');
  });
});

describe('larger scenario', () => {
  const s = sim({ scenario: { name: 'large' }, rate: 100 });
  s.advance(5000);
  const envoyInstances = s.logs.all().filter((i) => i.ref.container === 'envoy' || i.ref.container === 'istio-proxy');

  it('has several namespaces, three nodes and at least 20 Envoy containers, a DaemonSet pod per node', () => {
    assert.deepEqual(s.store.list('namespaces').map((n) => n.metadata.name).sort(), ['default', 'edge', 'envoy-system', 'payments', 'shop']);
    assert.ok(envoyInstances.length >= 20, `${envoyInstances.length} Envoy containers`);
    const proxies = s.kubelet.list().filter((p) => p.workload?.name === 'node-proxy');
    assert.deepEqual(proxies.map((p) => p.node).sort(), ['node-a', 'node-b', 'node-c']);
    assert.ok(envoyInstances.every((i) => i.lines.some((l) => l.requestId)), 'every Envoy logged requests');
  });

  it('one request id crosses gateway → frontend → orders → payments, each hop inside its caller', () => {
    const byId = new Map<string, { ns: string; pod: string; time: string }[]>();
    for (const i of envoyInstances) {
      for (const l of i.lines) if (l.requestId) byId.set(l.requestId, [...(byId.get(l.requestId) ?? []), { ns: i.ref.namespace, pod: i.ref.pod, time: l.time }]);
    }
    const chains = [...byId.values()].filter((hops) => hops.length === 4);
    assert.ok(chains.length > 50, `${chains.length} four-hop chains`);
    for (const hops of chains.slice(0, 20)) {
      const ordered = [...hops].sort((a, b) => (a.time < b.time ? -1 : 1)).map((h) => h.pod.replace(/-[a-z0-9]+-[a-z0-9]+$/, ''));
      assert.deepEqual(ordered, ['payments', 'orders', 'frontend', 'gateway'], 'the innermost hop finishes first');
    }
  });

  it('orders leaks to the payments ClusterIP; node-proxy callers are pods on its own node', () => {
    const orders = envoyInstances.filter((i) => i.ref.pod.startsWith('orders-'));
    const upstreams = new Set(orders.flatMap((i) => i.lines.filter((l) => l.requestId).map((l) => / (\S+) payments$/.exec(l.text)?.[1]).filter(Boolean)));
    assert.deepEqual(upstreams, new Set(['10.100.2.10:8080']));
    for (const i of envoyInstances.filter((x) => x.ref.pod.startsWith('node-proxy-'))) {
      const node = s.kubelet.get(i.ref.namespace, i.ref.pod)!.node;
      const local = new Set(s.kubelet.list().filter((p) => p.node === node).map((p) => p.ip));
      for (const l of i.lines.filter((x) => x.requestId)) {
        const caller = / (\d+\.\d+\.\d+\.\d+):\d+ -> /.exec(l.text)?.[1];
        assert.ok(caller && local.has(caller), `${caller} is not on ${node}`);
      }
    }
  });
});
