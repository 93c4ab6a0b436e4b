import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ObjectStore, type StoreEvent } from './object-store.ts';
import { StatusError } from './status.ts';
import { testConfigMap, testPod } from './test-fixtures.ts';

test('create assigns uid, creationTimestamp and increasing resourceVersions; update keeps uid', () => {
  const store = new ObjectStore({ now: () => new Date('2026-01-01T00:00:00.500Z') });
  const a = store.create(testPod('a'));
  const b = store.create(testPod('b'));
  assert.match(a.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(a.metadata.creationTimestamp, '2026-01-01T00:00:00Z');
  assert.ok(Number(b.metadata.resourceVersion) > Number(a.metadata.resourceVersion));
  const changed = store.update({ ...a, metadata: { ...a.metadata, labels: { x: 'y' } } });
  assert.equal(changed.metadata.uid, a.metadata.uid);
  assert.equal(store.resourceVersion, 3);
  assert.throws(() => store.create(testPod('a')), (e: unknown) => e instanceof StatusError && e.status.code === 409);
  assert.throws(() => store.update(a), (e: unknown) => e instanceof StatusError && e.status.reason === 'Conflict', 'stale resourceVersion');
  assert.deepEqual(store.list('pods').map((p) => p.metadata.name), ['a', 'b']);
});

test('watch receives ADDED/MODIFIED/DELETED with the object resourceVersion, only for its resource and namespace', () => {
  const store = new ObjectStore();
  const events: StoreEvent[] = [];
  const w = store.watch({ resource: 'pods', namespace: 'default' }, (e) => events.push(e));
  assert.ok(w.ok);
  const p = store.create(testPod('a'));
  store.create(testConfigMap());
  store.create({ ...testPod('other'), metadata: { ...testPod('other').metadata, namespace: 'kube-system' } });
  store.update(p);
  store.delete('pods', 'default', 'a');
  assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  assert.deepEqual(events.map((e) => e.object.metadata.resourceVersion), events.map((e) => String(e.resourceVersion)));
  assert.equal(events[1]?.previous?.metadata.resourceVersion, p.metadata.resourceVersion);
  w.stop();
  store.create(testPod('late'));
  assert.equal(events.length, 3);
});

test('watch from an old resourceVersion replays history after it', () => {
  const store = new ObjectStore();
  const a = store.create(testPod('a'));
  store.create(testPod('b'));
  store.delete('pods', 'default', 'b');
  const seen: string[] = [];
  const w = store.watch({ resource: 'pods', sinceResourceVersion: Number(a.metadata.resourceVersion) }, (e) => seen.push(`${e.type} ${e.object.metadata.name}`));
  assert.ok(w.ok);
  assert.deepEqual(seen, ['ADDED b', 'DELETED b']);
});

test('watch from before the bounded history is refused with 410 Expired', () => {
  const store = new ObjectStore({ historyLimit: 2 });
  for (const n of ['a', 'b', 'c', 'd']) store.create(testPod(n));
  const old = store.watch({ resource: 'pods', sinceResourceVersion: 1 }, () => {});
  assert.equal(old.ok, false);
  if (!old.ok) {
    assert.equal(old.status.code, 410);
    assert.equal(old.status.reason, 'Expired');
    assert.equal(old.status.message, 'too old resource version: 1 (3)');
  }
  const recent: string[] = [];
  const ok = store.watch({ resource: 'pods', sinceResourceVersion: 2 }, (e) => recent.push(e.object.metadata.name));
  assert.ok(ok.ok);
  assert.deepEqual(recent, ['c', 'd']);
  store.compactHistory();
  assert.equal(store.watch({ resource: 'pods', sinceResourceVersion: 3 }, () => {}).ok, false);
  assert.equal(store.watch({ resource: 'pods', sinceResourceVersion: 4 }, () => {}).ok, true);
});
