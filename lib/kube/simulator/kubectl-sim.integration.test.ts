// The real kubectl against the running seed scenario (wall clock, live traffic), with a fresh cache dir: what a user
// types in the README works unchanged. Without kubectl on PATH these tests are skipped and say why.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Kubectl, exitOf, kubectlMissing, waitForOutput } from './api/kubectl-harness.ts';
import { SEED_BACKEND_PODS, SEED_NGINX_POD } from './scenario/seed-scenario.ts';
import { Simulation } from './simulation.ts';
import { control, sleep } from './testing/http-probe.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/seed/${name}`, import.meta.url));
const NANO_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \[[^\]]+\] "[A-Z]+ \S+ HTTP\/[\d.]+" \d{3} /m;

describe('kubectl against the simulated seed cluster', { skip: kubectlMissing() }, () => {
  let sim: Simulation;
  let kubectl: Kubectl;

  before(async () => {
    sim = await Simulation.start({ rate: 40, terminationMs: 300 });
    kubectl = await Kubectl.create(sim.url);
  });
  after(async () => {
    await sim?.stop();
    await kubectl?.dispose();
  });

  it('get pods -o wide: the seed pods with their IPs on node wilson', async () => {
    const r = await kubectl.run(['get', 'pods', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${SEED_NGINX_POD}\\s+2/2\\s+Running\\s+0\\s+\\S+\\s+10\\.244\\.0\\.80\\s+wilson\\s`, 'm'));
    for (const b of SEED_BACKEND_PODS) assert.match(r.stdout, new RegExp(`^${b.name}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${b.ip.replace(/\./g, '\\.')}\\s+wilson`, 'm'));
  });

  it('get svc and get endpointslices', async () => {
    const svc = await kubectl.run(['get', 'svc']);
    assert.equal(svc.code, 0, svc.stderr);
    assert.match(svc.stdout, /^backend-service\s+ClusterIP\s+10\.105\.148\.194\s+<none>\s+10000\/TCP/m);
    assert.match(svc.stdout, /^backend-headless-service\s+ClusterIP\s+None\s+<none>\s+10000\/TCP/m);
    assert.match(svc.stdout, /^nginx-test\s+NodePort\s+10\.110\.71\.55\s+<none>\s+80:30785\/TCP/m);
    const eps = await kubectl.run(['get', 'endpointslices']);
    assert.equal(eps.code, 0, eps.stderr);
    assert.match(eps.stdout, /^backend-headless-service-\w{5}\s+IPv4\s+10000\s+10\.244\.0\.81,10\.244\.0\.82\s/m);
  });

  it('get configmap envoy-config -o yaml: the seed envoy.yaml', async () => {
    const r = await kubectl.run(['get', 'configmap', 'envoy-config', '-o', 'yaml']);
    assert.equal(r.code, 0, r.stderr);
    const wanted = (parse(await readFile(fixture('envoy-config.configmap.yaml'), 'utf8')) as any).data['envoy.yaml'];
    assert.equal((parse(r.stdout) as any).data['envoy.yaml'], wanted);
  });

  it('logs -f -c envoy --timestamps shows new access lines as they are written', async () => {
    const child = kubectl.spawn(['logs', '-f', SEED_NGINX_POD, '-c', 'envoy', '--timestamps', '--tail=0']);
    try {
      const out = await waitForOutput(child, '10.105.148.194:10000 app_service');
      assert.match(out, NANO_LINE);
      assert.doesNotMatch(out, /initializing epoch/, '--tail=0 starts with new lines only');
    } finally {
      child.kill();
      await exitOf(child);
    }
  });

  it('logs -f exits with an error when the stream is cut, and 0 when the container restarts', async () => {
    const cut = kubectl.spawn(['logs', '-f', SEED_NGINX_POD, '-c', 'envoy', '--tail=1']);
    await waitForOutput(cut, 'app_service');
    let stderr = '';
    cut.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await control(sim.url, 'streams/drop', { kind: 'log' });
    assert.equal(await exitOf(cut), 1);
    assert.match(stderr, /unexpected EOF|connection reset/);

    const clean = kubectl.spawn(['logs', '-f', SEED_NGINX_POD, '-c', 'envoy', '--tail=1']);
    await waitForOutput(clean, 'app_service');
    await control(sim.url, `pods/default/${SEED_NGINX_POD}/containers/envoy/restart`);
    assert.equal(await exitOf(clean), 0);
  });

  it('logs --previous after a restart reads the stopped instance', async () => {
    await sleep(300);
    const prev = await kubectl.run(['logs', SEED_NGINX_POD, '-c', 'envoy', '--previous']);
    assert.equal(prev.code, 0, prev.stderr);
    assert.match(prev.stdout, /caught ENVOY_SIGTERM/);
    assert.match(prev.stdout, /app_service/);
    const pods = await kubectl.run(['get', 'pod', SEED_NGINX_POD]);
    assert.match(pods.stdout, new RegExp(`^${SEED_NGINX_POD}\\s+2/2\\s+Running\\s+1 \\(\\S+ ago\\)`, 'm'));
  });

  it('get pods -w sees the replacement of a deleted backend pod; kubectl delete waits until it is gone', async () => {
    const watch = kubectl.spawn(['get', 'pods', '-w']);
    try {
      await waitForOutput(watch, SEED_NGINX_POD);
      const newPods = (out: string) =>
        [...new Set([...out.matchAll(/^(backend-7b9c5d8f6d-\w{5})\s/gm)].map((m) => m[1]!))].filter((n) => !SEED_BACKEND_PODS.some((b) => b.name === n));
      const seen = waitForOutput(watch, (out) => newPods(out).length > 0);
      const del = await kubectl.run(['delete', 'pod', SEED_BACKEND_PODS[0]!.name]);
      assert.equal(del.code, 0, del.stderr);
      assert.match(del.stdout, new RegExp(`pod "${SEED_BACKEND_PODS[0]!.name}" deleted`));
      const fresh = newPods(await seen);
      assert.equal(fresh.length, 1, `one new backend pod: ${fresh.join(', ')}`);
      const get = await kubectl.run(['get', 'pods', '-o', 'wide']);
      assert.doesNotMatch(get.stdout, new RegExp(SEED_BACKEND_PODS[0]!.name));
      assert.match(get.stdout, new RegExp(`^${fresh[0]}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+10\\.244\\.0\\.83\\s`, 'm'));
    } finally {
      watch.kill();
      await exitOf(watch);
    }
  });

  it('apply -f of the headless ConfigMap switches the upstreams from the Service IP to the pod IPs', async () => {
    const r = await kubectl.run(['apply', '-f', fixture('envoy-config-headless.configmap.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /configmap\/envoy-config configured/);
    await sleep(1000);
    const logs = await kubectl.run(['logs', SEED_NGINX_POD, '-c', 'envoy', '--tail=20']);
    const upstreams = [...logs.stdout.matchAll(/ (\S+) app_service /g)].map((m) => m[1]).filter((u) => u !== '-');
    assert.ok(upstreams.length >= 10, logs.stdout);
    const live = new Set(sim.pods().filter((p) => p.workload?.name === 'backend' && p.deletingSince === undefined).map((p) => `${p.ip}:10000`));
    assert.equal(live.size, 2);
    assert.deepEqual(new Set(upstreams), live, 'both live backends, no Service IP');
  });

  it('apply of a new Service: the API allocates a ClusterIP and the endpointslice controller fills its slice', async () => {
    const file = join(kubectl.dir, 'svc.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: backend-extra\nspec:\n  selector:\n    app: backend\n  ports:\n  - port: 8080\n    targetPort: 10000\n');
    const dry = await kubectl.run(['apply', '--dry-run=server', '-f', file]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /service\/backend-extra created \(server dry run\)/);
    const r = await kubectl.run(['apply', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    const svc = await kubectl.run(['get', 'svc', 'backend-extra']);
    assert.match(svc.stdout, /^backend-extra\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+8080\/TCP/m);
    const eps = await kubectl.run(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=backend-extra']);
    assert.match(eps.stdout, /^backend-extra-\w{5}\s+IPv4\s+10000\s+10\.244\.0\.\d+,10\.244\.0\.\d+\s/m);
  });
});
