// What the live collector keeps besides records, on every database: container instances with their checkpoints, gaps,
// IP and endpoint history, Kubernetes objects and status rows come back the same from SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { testBackends, type TestDatabase } from '../testing/test-databases.ts';
import { openAnalysisStore, type KubeObjectRow } from './analysis-store.ts';
import { openCollectorStore, type CollectorStore } from './collector-store.ts';
import { disconnectAll, prismaClientFor } from './prisma-client.ts';

process.env.TZ = 'Pacific/Chatham';

const T = Date.UTC(2025, 11, 16, 10, 5, 56, 365);

for (const backend of testBackends) {
  describe(backend.kind, () => {
    const open: { db: TestDatabase; store: CollectorStore }[] = [];
    async function fresh(): Promise<{ db: TestDatabase; store: CollectorStore }> {
      const db = await backend.create({ name: 'collector-store' });
      const entry = { db, store: await openCollectorStore(db.url) };
      open.push(entry);
      return entry;
    }
    after(async () => {
      await disconnectAll();
      for (const { db, store } of open) {
        await store.close().catch(() => undefined);
        await db.remove();
      }
    });

    test('instances of a container: every source of the pod and container, with its checkpoint or none', async () => {
      const { store } = await fresh();
      const instance = (cid: string, container = 'envoy', podUid = 'uid-1') => store.openSource({
        key: `pod:${podUid}/${container}/${cid}`, kind: 'pod', namespace: 'shop', pod: 'web', container, podUid, containerId: cid, format: 'f',
      });
      const first = (await instance('containerd://aaa')).sourceId;
      const second = (await instance('containerd://bbb')).sourceId;
      await instance('containerd://ccc', 'app');
      await instance('containerd://ddd', 'envoy', 'uid-2');
      await store.writeBatch(first, {
        records: [], rejects: [], otherLines: 4,
        checkpoint: { linesRead: 7, bytesRead: 5_000_000_000, fingerprint: null, watermark: '2025-12-16T10:05:56.365123456Z', watermarkCount: 3, finished: true },
      });
      assert.deepEqual(await store.instancesOf('uid-1', 'envoy'), [
        {
          sourceId: first, containerId: 'containerd://aaa',
          checkpoint: {
            linesRead: 7, bytesRead: 5_000_000_000, fingerprint: null, watermark: '2025-12-16T10:05:56.365123456Z', watermarkCount: 3,
            records: 0, rejected: 0, ambiguous: 0, otherLines: 4, finished: true,
          },
        },
        { sourceId: second, containerId: 'containerd://bbb', checkpoint: null },
      ]);
      assert.deepEqual(await store.instancesOf('uid-9', 'envoy'), []);
    });

    test('gaps: stored, their end narrowed later', async () => {
      const { db, store } = await fresh();
      const id = await store.recordGap({
        namespace: 'shop', pod: 'web', container: 'envoy', fromTime: '2025-12-16T09:45:56.000000000Z', toTime: null, reason: 'rotated', detail: 'd',
      });
      await store.setGapEnd(id, '2025-12-16T09:50:00.000000001Z');
      const gaps = await (await prismaClientFor(db.url)).ingestGap.findMany();
      assert.deepEqual(gaps.map((g) => [g.id, g.sourceId, g.podUid, g.containerId, g.fromTime, g.toTime, g.reason, g.detail]), [
        [id, null, null, null, '2025-12-16T09:45:56.000000000Z', '2025-12-16T09:50:00.000000001Z', 'rotated', 'd'],
      ]);
      assert.ok(Math.abs(gaps[0]!.createdAt.getTime() - Date.now()) < 60_000, 'createdAt is now (UTC)');
    });

    test('IP ranges: opened, then closed by uid and IP; pods first, each in the order stored', async () => {
      const { db, store } = await fresh();
      await store.saveIp({ kind: 'pod', ip: '10.244.0.81', namespace: 'default', name: 'backend-1', uid: 'p1', node: 'n1', fromMs: T, toMs: null });
      await store.saveIp({ kind: 'service', ip: '10.96.0.10', namespace: 'default', name: 'backend', uid: 's1', fromMs: T + 1, toMs: null });
      await store.saveIp({ kind: 'pod', ip: '10.244.0.82', namespace: 'default', name: 'backend-2', uid: 'p2', fromMs: T + 2, toMs: T + 3 });
      // Closing keeps the range's start and node.
      await store.saveIp({ kind: 'pod', ip: '10.244.0.81', namespace: 'default', name: 'backend-1', uid: 'p1', node: 'other', fromMs: 0, toMs: T + 9 });
      const expected = [
        { kind: 'pod', ip: '10.244.0.81', namespace: 'default', name: 'backend-1', uid: 'p1', node: 'n1', fromMs: T, toMs: T + 9 },
        { kind: 'pod', ip: '10.244.0.82', namespace: 'default', name: 'backend-2', uid: 'p2', node: null, fromMs: T + 2, toMs: T + 3 },
        { kind: 'service', ip: '10.96.0.10', namespace: 'default', name: 'backend', uid: 's1', node: null, fromMs: T + 1, toMs: null },
      ];
      assert.deepEqual(await store.ipHistory(), expected);
      const analysis = await openAnalysisStore(db.url);
      try {
        assert.deepEqual(await analysis.ipHistory(), expected);
      } finally {
        analysis.close();
      }
    });

    test('endpoints: opened, closed once; open ones listed; the history in time order', async () => {
      const { db, store } = await fresh();
      const a = await store.openEndpoint({ namespace: 'default', service: 'backend', ip: '10.244.0.81', pod: 'backend-1', podUid: 'p1', fromMs: T + 5, toMs: null });
      const b = await store.openEndpoint({ namespace: 'default', service: 'backend', ip: '10.244.0.82', fromMs: T, toMs: null });
      await store.closeEndpoint(a, T + 10);
      await store.closeEndpoint(a, T + 20);
      assert.deepEqual(await store.openEndpoints(), [
        { id: b, namespace: 'default', service: 'backend', ip: '10.244.0.82', pod: null, podUid: null, fromMs: T, toMs: null },
      ]);
      const analysis = await openAnalysisStore(db.url);
      try {
        assert.deepEqual(await analysis.endpointHistory(), [
          { id: b, namespace: 'default', service: 'backend', ip: '10.244.0.82', pod: null, podUid: null, fromMs: T, toMs: null },
          { id: a, namespace: 'default', service: 'backend', ip: '10.244.0.81', pod: 'backend-1', podUid: 'p1', fromMs: T + 5, toMs: T + 10 },
        ]);
      } finally {
        analysis.close();
      }
    });

    test('two collectors on one database: the same endpoint range and the same gap are stored once', async () => {
      const { db, store } = await fresh();
      const other = await openCollectorStore(db.url);
      try {
        const row = { namespace: 'default', service: 'backend', ip: '10.244.0.81', pod: 'backend-1', podUid: 'p1', toMs: null };
        // Both see the endpoint become ready, each at its own moment, at once.
        const [a, b] = await Promise.all([store.openEndpoint({ ...row, fromMs: T }), other.openEndpoint({ ...row, fromMs: T + 40 })]);
        assert.equal(a, b);
        await store.closeEndpoint(a, T + 100);
        await other.closeEndpoint(b, T + 130);
        // Ready again later: a new range, again shared.
        const [c, d] = await Promise.all([other.openEndpoint({ ...row, fromMs: T + 200 }), store.openEndpoint({ ...row, fromMs: T + 210 })]);
        assert.equal(c, d);
        assert.notEqual(c, a);
        const history = (await (await prismaClientFor(db.url)).endpointMember.findMany({ orderBy: { id: 'asc' } })).map((e) => [e.fromTime.getTime(), e.toTime?.getTime() ?? null]);
        assert.equal(history.length, 2);
        assert.deepEqual(history[0]![1], T + 100, 'closed by the first close');
        assert.equal(history[1]![1], null);

        const gap = { namespace: 'shop', pod: 'web', podUid: 'u1', container: 'envoy', containerId: 'containerd://c1', fromTime: '2025-12-16T09:45:56.000000000Z', toTime: null, reason: 'rotated' as const, detail: 'd' };
        const [g1, g2] = await Promise.all([store.recordGap(gap), other.recordGap({ ...gap, detail: 'seen by the other' })]);
        assert.equal(g1, g2);
        const later = await other.recordGap({ ...gap, fromTime: '2025-12-16T09:55:00.000000000Z' });
        assert.notEqual(later, g1, 'a later gap of the same container is its own');
        assert.equal(await (await prismaClientFor(db.url)).ingestGap.count(), 2);
      } finally {
        await other.close();
      }
    });

    test('Kubernetes objects: first sighting kept, the rest updated; missing ones marked deleted once', async () => {
      const { db, store } = await fresh();
      const obj = (kind: KubeObjectRow['kind'], name: string, o: Partial<KubeObjectRow> = {}): KubeObjectRow => ({
        kind, namespace: 'default', name, uid: `${kind}-${name}`, json: `{"name":"${name}"}`, firstSeenMs: T, lastSeenMs: T, deletedMs: null, ...o,
      });
      await store.saveKubeObject(obj('Service', 'b'));
      await store.saveKubeObject(obj('Pod', 'web-2'));
      await store.saveKubeObject(obj('Pod', 'Web-1'));
      await store.saveKubeObject(obj('Pod', 'old', { deletedMs: T - 1 }));
      await store.saveKubeObject(obj('ConfigMap', 'envoy', { namespace: 'a' }));
      await store.saveKubeObject(obj('Pod', 'web-2', { json: '{"v":2}', firstSeenMs: T + 100, lastSeenMs: T + 100 }));
      await store.markMissingKubeObjects('Pod', new Set(['Pod-web-2']), T + 500);
      await store.markMissingKubeObjects('Pod', new Set(), T + 900);
      const analysis = await openAnalysisStore(db.url);
      try {
        assert.deepEqual((await analysis.kubeObjects()).map((o) => [o.kind, o.namespace, o.name, o.json, o.firstSeenMs, o.lastSeenMs, o.deletedMs]), [
          ['ConfigMap', 'a', 'envoy', '{"name":"envoy"}', T, T, null],
          ['Pod', 'default', 'Web-1', '{"name":"Web-1"}', T, T, T + 500],
          ['Pod', 'default', 'old', '{"name":"old"}', T, T, T - 1],
          ['Pod', 'default', 'web-2', '{"v":2}', T, T + 100, T + 900],
          ['Service', 'default', 'b', '{"name":"b"}', T, T, null],
        ]);
      } finally {
        analysis.close();
      }
    });

    test('status rows: one per collector, replaced, listed by id', async () => {
      const { store } = await fresh();
      await store.writeStatus('node-b', '{"n":1}');
      await store.writeStatus('Node-a', '{"n":2}');
      await store.writeStatus('node-b', '{"n":3}');
      const rows = await store.readStatuses();
      assert.deepEqual(rows.map((r) => [r.id, r.json]), [['Node-a', '{"n":2}'], ['node-b', '{"n":3}']]);
      for (const r of rows) assert.ok(Math.abs(r.updatedAt - Date.now()) < 60_000, 'updatedAt is now');
    });
  });
}
