// Wire-level behaviour kubectl does not exercise: watch framing, 410, bookmarks, selector transitions, log options.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiServer, type ApiServer } from './api-server.ts';
import { ContainerLogs } from './container-logs.ts';
import { ObjectStore } from './object-store.ts';
import { startTestContainers, testConfigMap, testNamespace, testPod } from './test-fixtures.ts';

let server: ApiServer;
const store = new ObjectStore({ historyLimit: 5 });
const logs = new ContainerLogs();
const envoy = { namespace: 'default', pod: 'web-1', container: 'envoy' };

before(async () => {
  store.create(testNamespace());
  startTestContainers(logs, store.create(testPod()));
  store.create(testConfigMap());
  logs.append(envoy, 'l1', '2026-01-01T00:00:09.900000000Z');
  logs.append(envoy, 'l2', '2026-01-01T00:00:10.100000000Z');
  logs.append(envoy, 'l3', '2026-01-01T00:00:10.700000000Z');
  server = await startApiServer({ port: 0, store, logs, bookmarkIntervalMs: 50 });
});
after(() => server.close());

/** Reads newline-delimited JSON events until the stream ends or `count` events arrived. */
async function readEvents(path: string, count = Infinity): Promise<{ type: string; object: any }[]> {
  const res = await fetch(server.url + path);
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const events: { type: string; object: any }[] = [];
  let buf = '';
  while (events.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += Buffer.from(value).toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0 && events.length < count) {
      events.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  }
  await reader.cancel();
  return events;
}

const text = async (path: string): Promise<{ status: number; body: string }> => {
  const r = await fetch(server.url + path);
  return { status: r.status, body: await r.text() };
};

test('discovery documents', async () => {
  const v = await (await fetch(server.url + '/version')).json();
  assert.equal(v.major, '1');
  assert.equal(v.minor, '32');
  const core = await (await fetch(server.url + '/api/v1')).json();
  const pods = core.resources.find((r: any) => r.name === 'pods');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.ok(core.resources.find((r: any) => r.name === 'pods/log'));
  const disc = await (await fetch(server.url + '/apis/discovery.k8s.io/v1')).json();
  assert.equal(disc.resources[0].kind, 'EndpointSlice');
  assert.equal((await fetch(server.url + '/openapi/v2')).status, 404);
});

test('list carries the store resourceVersion; watch without RV sends synthetic ADDED; timeoutSeconds ends it', async () => {
  const list = await (await fetch(server.url + '/api/v1/pods')).json();
  assert.equal(list.kind, 'PodList');
  assert.equal(list.metadata.resourceVersion, String(store.resourceVersion));
  const events = await readEvents('/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1');
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED web-1']);
});

test('watch from a list RV streams later changes; leaving the selector is DELETED', async () => {
  const rv = store.resourceVersion;
  const pending = readEvents(`/api/v1/pods?watch=1&resourceVersion=${rv}&labelSelector=app%3Dweb`, 3);
  await new Promise((r) => setTimeout(r, 50));
  const p = store.create(testPod('web-9'));
  store.update({ ...p, metadata: { ...p.metadata, labels: { app: 'web', extra: 'x' } } });
  const q = store.get('pods', 'default', 'web-9')!;
  store.update({ ...q, metadata: { ...q.metadata, labels: { app: 'other' } } });
  const events = await pending;
  assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  store.delete('pods', 'default', 'web-9');
});

test('watch from a compacted RV: 200 then one ERROR 410 Expired event, then close', async () => {
  for (let i = 0; i < 6; i++) store.create({ ...testConfigMap(), metadata: { name: `cm-${i}`, namespace: 'default' } });
  const events = await readEvents('/api/v1/configmaps?watch=true&resourceVersion=1');
  assert.equal(events.length, 1);
  assert.equal(events[0]?.type, 'ERROR');
  assert.equal(events[0]?.object.code, 410);
  assert.equal(events[0]?.object.reason, 'Expired');
  assert.match(events[0]?.object.message, /^too old resource version: 1 \(\d+\)$/);
});

test('allowWatchBookmarks sends BOOKMARK events with only the resourceVersion', async () => {
  const events = await readEvents(`/api/v1/pods?watch=true&resourceVersion=${store.resourceVersion}&allowWatchBookmarks=true`, 1);
  assert.equal(events[0]?.type, 'BOOKMARK');
  assert.deepEqual(Object.keys(events[0]?.object.metadata), ['resourceVersion']);
});

test('pod log options: sinceTime has whole-second semantics, tailLines, limitBytes', async () => {
  const base = '/api/v1/namespaces/default/pods/web-1/log?container=envoy';
  assert.equal((await text(`${base}&sinceTime=2026-01-01T00:00:10.500Z`)).body, 'l2\nl3\n');
  assert.equal((await text(`${base}&tailLines=1`)).body, 'l3\n');
  assert.equal((await text(`${base}&tailLines=0`)).body, '');
  assert.equal((await text(`${base}&limitBytes=4`)).body, 'l1\nl');
  assert.equal((await text(`${base}&timestamps=true&tailLines=1`)).body, '2026-01-01T00:00:10.700000000Z l3\n');
});

test('pod log errors are Status objects', async () => {
  const base = '/api/v1/namespaces/default/pods/web-1/log';
  const noContainer = await text(base);
  assert.equal(noContainer.status, 400);
  assert.equal(JSON.parse(noContainer.body).message, 'a container name must be specified for pod web-1, choose one of: [nginx envoy]');
  const both = JSON.parse((await text(`${base}?container=envoy&sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z`)).body);
  assert.equal(both.code, 422);
  assert.equal(both.reason, 'Invalid');
  assert.match(both.message, /^PodLogOptions "web-1" is invalid: .*at most one of `sinceTime` or `sinceSeconds` may be specified/);
  const missing = JSON.parse((await text('/api/v1/namespaces/default/pods/nope/log')).body);
  assert.deepEqual([missing.code, missing.reason, missing.message, missing.details], [404, 'NotFound', 'pods "nope" not found', { name: 'nope', kind: 'pods' }]);
  const unscheduled = testPod('pending-1');
  delete (unscheduled.spec as Record<string, unknown>).nodeName;
  store.create(unscheduled);
  assert.equal((await text('/api/v1/namespaces/default/pods/pending-1/log?container=envoy')).status, 204);
});

test('unsupported verbs are 405; dryRun create stores nothing', async () => {
  const r = await fetch(server.url + '/api/v1/namespaces/default/pods', { method: 'PUT', body: '{}' });
  assert.equal(r.status, 405);
  assert.equal((await r.json()).reason, 'MethodNotAllowed');
  const rv = store.resourceVersion;
  const created = await fetch(server.url + '/api/v1/namespaces/default/configmaps?dryRun=All', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' }, data: { a: 'b' } }),
  });
  assert.equal(created.status, 201);
  assert.equal((await created.json()).metadata.namespace, 'default');
  assert.equal(store.get('configmaps', 'default', 'dry'), undefined);
  assert.equal(store.resourceVersion, rv);
});
