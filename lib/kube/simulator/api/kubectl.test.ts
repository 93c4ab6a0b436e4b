// The real kubectl against the simulator: proves discovery, Tables, watch, logs, apply and errors are wire-compatible.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { startApiServer, type ApiServer } from './api-server.ts';
import { ContainerLogs } from './container-logs.ts';
import { Kubectl, exitOf, waitForOutput } from './kubectl-harness.ts';
import { ObjectStore } from './object-store.ts';
import { restartTestContainer, startTestContainers, testConfigMap, testEndpointSlice, testNamespace, testPod, testService } from './test-fixtures.ts';

let server: ApiServer;
let kubectl: Kubectl;
const store = new ObjectStore();
const logs = new ContainerLogs();
const envoy = { namespace: 'default', pod: 'web-1', container: 'envoy' };

before(async () => {
  store.create(testNamespace());
  startTestContainers(logs, store.create(testPod()));
  store.create(testService());
  store.create(testEndpointSlice());
  store.create(testConfigMap());
  logs.append(envoy, '[2026-01-01T00:00:00.000Z] "GET /a HTTP/1.1" 200');
  logs.append({ ...envoy, container: 'nginx' }, 'nginx started');
  server = await startApiServer({ port: 0, store, logs });
  kubectl = await Kubectl.create(server.url);
});

after(async () => {
  await server?.close();
  await kubectl?.dispose();
});

test('kubectl get pods -o wide prints Table columns including IP and NODE', async () => {
  const r = await kubectl.run(['get', 'pods', '-o', 'wide']);
  assert.equal(r.code, 0, r.stderr);
  const [header = '', row = ''] = r.stdout.split('\n');
  assert.match(header, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
  assert.match(row, /^web-1\s+2\/2\s+Running\s+0\s+\S+\s+10\.244\.0\.11\s+sim-node-1\s+<none>\s+<none>/);
});

test('kubectl get svc and endpointslices', async () => {
  const svc = await kubectl.run(['get', 'svc']);
  assert.equal(svc.code, 0, svc.stderr);
  assert.match(svc.stdout, /NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
  assert.match(svc.stdout, /web\s+ClusterIP\s+10\.96\.12\.34\s+<none>\s+80\/TCP/);
  const eps = await kubectl.run(['get', 'endpointslices']);
  assert.equal(eps.code, 0, eps.stderr);
  assert.match(eps.stdout, /NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE/);
  assert.match(eps.stdout, /web-abc12\s+IPv4\s+8080\s+10\.244\.0\.11/);
});

test('kubectl get configmap -o yaml returns the stored object', async () => {
  const r = await kubectl.run(['get', 'configmap', 'envoy-config', '-o', 'yaml']);
  assert.equal(r.code, 0, r.stderr);
  const cm = parse(r.stdout) as { kind: string; data: Record<string, string>; metadata: { uid: string } };
  assert.equal(cm.kind, 'ConfigMap');
  assert.equal(cm.data['envoy.yaml'], 'static_resources: {}\n');
  assert.ok(cm.metadata.uid);
});

test('kubectl get pods -w sees a pod created after it started', async () => {
  const child = kubectl.spawn(['get', 'pods', '-w']);
  try {
    await waitForOutput(child, 'web-1');
    store.create(testPod('web-2', '10.244.0.12'));
    // kubectl may print a row in more than one write: wait for the whole row.
    const out = await waitForOutput(child, (text) => /web-2\s+2\/2\s+Running/.test(text));
    assert.match(out, /web-2\s+2\/2\s+Running/);
  } finally {
    child.kill();
    await exitOf(child);
    store.delete('pods', 'default', 'web-2');
  }
});

test('kubectl logs --timestamps prefixes RFC3339NanoFixed times', async () => {
  const r = await kubectl.run(['logs', 'web-1', '-c', 'envoy', '--timestamps']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \[2026-01-01T00:00:00\.000Z\] "GET \/a HTTP\/1\.1" 200\n$/);
});

test('kubectl logs -f sees a line appended later and exits 0 when the instance stops', async () => {
  const child = kubectl.spawn(['logs', '-f', 'web-1', '-c', 'envoy']);
  await waitForOutput(child, '"GET /a');
  logs.append(envoy, 'appended later');
  await waitForOutput(child, 'appended later');
  restartTestContainer(store, logs, 'default', 'web-1', 'envoy'); // the followed instance stops: the stream ends cleanly
  assert.equal(await exitOf(child), 0);
});

test('kubectl logs --previous reads the instance before the restart', async () => {
  logs.append(envoy, 'new instance line');
  const prev = await kubectl.run(['logs', 'web-1', '-c', 'envoy', '--previous']);
  assert.equal(prev.code, 0, prev.stderr);
  assert.match(prev.stdout, /appended later/);
  assert.doesNotMatch(prev.stdout, /new instance line/);
  const cur = await kubectl.run(['logs', 'web-1', '-c', 'envoy']);
  assert.equal(cur.stdout, 'new instance line\n');
});

test('kubectl logs errors: missing pod, bad container, no previous', async () => {
  const missing = await kubectl.run(['logs', 'nope', '-c', 'envoy']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /pods "nope" not found/);
  const bad = await kubectl.run(['logs', 'web-1', '-c', 'foo']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /container foo is not valid for pod web-1/);
  const noPrev = await kubectl.run(['logs', 'web-1', '-c', 'nginx', '--previous']);
  assert.equal(noPrev.code, 1);
  assert.match(noPrev.stderr, /previous terminated container "nginx" in pod "web-1" not found/);
  const get = await kubectl.run(['get', 'pod', 'nope']);
  assert.equal(get.code, 1);
  assert.match(get.stderr, /Error from server \(NotFound\): pods "nope" not found/);
});

test('kubectl apply -f of a ConfigMap changes the stored data; --dry-run=server stores nothing', async () => {
  const file = fileURLToPath(new URL('../../../../fixtures/seed/envoy-config-headless.configmap.yaml', import.meta.url));
  const wanted = (parse(await readFile(file, 'utf8')) as { data: Record<string, string> }).data['envoy.yaml'];
  const before = store.get('configmaps', 'default', 'envoy-config');
  const dry = await kubectl.run(['apply', '-f', file, '--dry-run=server']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(store.get('configmaps', 'default', 'envoy-config'), before);
  const r = await kubectl.run(['apply', '-f', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /configmap\/envoy-config (configured|created)/);
  const stored = store.get('configmaps', 'default', 'envoy-config');
  assert.equal((stored?.data as Record<string, string>)['envoy.yaml'], wanted);
  assert.ok(stored?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
});
