// The Sources page's queries on every database: sources grouped by pod with their checkpoints, rejected lines
// newest first in keyset pages (hostile raw text back verbatim, long lines cut with their length), gaps, and collector
// statuses read defensively.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testBackends, type TestDatabase } from '../../testing/test-databases.ts';
import { openCollectorStore } from '../collector-store.ts';
import { disconnectAll, prismaClientFor } from '../prisma-client.ts';
import type { IngestBatch } from '../ingest-store.ts';
import {
  collectorStatuses, listGaps, listRejectedLines, listSources, RAW_PREVIEW_CHARS, rejectSources, shortContainerId,
} from './sources.ts';

const HOSTILE = '<script>alert(1)</script>';
const LONG = `GET /${'x'.repeat(5000)}`;

const batch = (rejects: string[], lines: number, otherLines = 0, finished = false): IngestBatch => ({
  records: [],
  rejects: rejects.map((raw, i) => ({ seq: i + 1, reason: `bad line ${i + 1}`, column: i + 1, raw })),
  checkpoint: { linesRead: lines, bytesRead: lines * 10, fingerprint: null, watermark: null, watermarkCount: 0, finished },
  otherLines,
});

for (const backend of testBackends) {
  describe(backend.kind, () => {
    let temp: TestDatabase;
    const ids = { a1: 0, a2: 0, b: 0, file: 0 };
    before(async () => {
      temp = await backend.create({ name: 'sources-query' });
      const store = await openCollectorStore(temp.url);
      const pod = (name: string, uid: string, cid: string) => store.openSource({
        key: `pod:${uid}/envoy/containerd://${cid}`, kind: 'pod', namespace: 'shop', pod: name, container: 'envoy', podUid: uid,
        containerId: `containerd://${cid}`, location: `shop/${name}/envoy`, format: '[%START_TIME%] "%REQ(:METHOD)%"',
      });
      ids.a1 = (await pod('web-a', 'uid-a', '0123456789abcdef0123')).sourceId;
      ids.a2 = (await pod('web-a', 'uid-a', 'fedcba9876543210fedc')).sourceId;
      ids.b = (await pod('api-b', 'uid-b', 'aaaaaaaaaaaaaaaaaaaa')).sourceId;
      ids.file = (await store.openSource({ key: 'file:/var/log/access.log', kind: 'file', location: '/var/log/access.log', format: '%START_TIME%' })).sourceId;
      await store.writeBatch(ids.a1, batch([], 10, 3, true));
      await store.writeBatch(ids.b, batch(['b1'], 4));
      await store.writeBatch(ids.file, batch(['garbage', HOSTILE, LONG, 'x\u{1F600}y'], 20));
      await store.recordGap({
        sourceId: ids.a2, namespace: 'shop', pod: 'web-a', container: 'envoy', containerId: 'containerd://fedcba9876543210fedc',
        fromTime: '2025-12-16T09:45:56.000000000Z', toTime: null, reason: 'rotated', detail: 'log rotated while disconnected',
      });
      await store.writeStatus('c1', JSON.stringify({
        id: 'c1', startedAt: '2025-12-16T09:00:00Z', stoppedAt: null, followed: 3, maxStreams: 2, linesPerSecond: 12.5,
        waiting: [{ namespace: 'shop', pod: 'web-c', container: 'envoy' }], lagMs: { p50: 5, p95: 40, max: 90 },
        totals: { linesRead: 1 }, errors: { stream: 2 }, recentErrors: 'not a list', writerError: null,
      }));
      await store.writeStatus('broken', '{not json');
      await store.close();
    });
    after(async () => {
      await disconnectAll();
      await temp?.remove();
    });

    test('sources: pods grouped with their instances and checkpoints, files apart', async () => {
      const list = await listSources(await prismaClientFor(temp.url));
      assert.equal(list.total, 4);
      assert.deepEqual(list.pods.map((p) => [p.namespace, p.pod, p.sources.map((s) => s.id).sort()]), [
        ['shop', 'api-b', [ids.b]],
        ['shop', 'web-a', [ids.a1, ids.a2].sort()],
      ]);
      const a1 = list.pods[1]!.sources.find((s) => s.id === ids.a1)!;
      assert.equal(a1.containerIdShort, '0123456789ab');
      assert.deepEqual(
        { ...a1.checkpoint, updatedAtMs: 0 },
        { linesRead: 10, records: 0, rejected: 0, ambiguous: 0, otherLines: 3, finished: true, updatedAtMs: 0 },
      );
      assert.equal(list.pods[1]!.sources.find((s) => s.id === ids.a2)!.checkpoint, null);
      assert.deepEqual(list.files.map((f) => [f.id, f.location, f.checkpoint?.rejected]), [[ids.file, '/var/log/access.log', 4]]);
      assert.equal(shortContainerId('docker://abc'), 'abc');
    });

    test('rejected lines: newest first in keyset pages, raw text verbatim, long lines cut with their full length', async () => {
      const prisma = await prismaClientFor(temp.url);
      const first = await listRejectedLines(prisma, { limit: 2 });
      assert.equal(first.total, 5);
      assert.deepEqual(first.lines.map((l) => l.raw), ['x\u{1F600}y', LONG.slice(0, RAW_PREVIEW_CHARS)]);
      assert.deepEqual([first.lines[1]!.rawLength, first.lines[1]!.truncated, first.lines[0]!.truncated], [LONG.length, true, false]);
      assert.equal(first.lines[0]!.source, '/var/log/access.log');
      const second = await listRejectedLines(prisma, { limit: 2, before: first.nextBefore! });
      assert.deepEqual(second.lines.map((l) => [l.raw, l.reason, l.column, l.seq]), [[HOSTILE, 'bad line 2', 2, 2], ['garbage', 'bad line 1', 1, 1]]);
      const third = await listRejectedLines(prisma, { limit: 2, before: second.nextBefore! });
      assert.deepEqual([third.lines.map((l) => l.raw), third.nextBefore], [['b1'], null]);
      assert.equal(third.lines[0]!.source, 'shop/api-b envoy aaaaaaaaaaaa');

      const onlyB = await listRejectedLines(prisma, { limit: 10, sourceId: ids.b });
      assert.deepEqual([onlyB.total, onlyB.lines.map((l) => l.raw)], [1, ['b1']]);
      assert.deepEqual(await listRejectedLines(prisma, { limit: 10, sourceId: 9999 }), { lines: [], nextBefore: null, total: 0 });
      assert.deepEqual(await rejectSources(prisma), [
        { id: ids.b, label: 'shop/api-b envoy aaaaaaaaaaaa', count: 1 },
        { id: ids.file, label: '/var/log/access.log', count: 4 },
      ].sort((x, y) => x.id - y.id));
    });

    test('a surrogate pair at the preview edge is not split', async () => {
      const store = await openCollectorStore(temp.url, { migrate: false });
      const { sourceId } = await store.openSource({ key: 'file:/emoji', kind: 'file', location: '/emoji', format: '%START_TIME%' });
      await store.writeBatch(sourceId, batch([`${'a'.repeat(RAW_PREVIEW_CHARS - 1)}\u{1F600}tail`], 1));
      await store.close();
      const [line] = (await listRejectedLines(await prismaClientFor(temp.url), { limit: 1, sourceId })).lines;
      assert.equal(line!.raw, 'a'.repeat(RAW_PREVIEW_CHARS - 1));
      assert.equal(line!.truncated, true);
    });

    test('gaps, and collector statuses with bad fields emptied and unparsable rows left out', async () => {
      const prisma = await prismaClientFor(temp.url);
      const { gaps, total } = await listGaps(prisma);
      assert.equal(total, 1);
      assert.deepEqual({ ...gaps[0]!, id: 0, createdAtMs: 0 }, {
        id: 0, namespace: 'shop', pod: 'web-a', container: 'envoy', containerIdShort: 'fedcba987654', fromTime: '2025-12-16T09:45:56.000000000Z',
        toTime: null, reason: 'rotated', detail: 'log rotated while disconnected', createdAtMs: 0,
      });
      const statuses = await collectorStatuses(prisma);
      assert.deepEqual(statuses.map((s) => s.id), ['c1']);
      const s = statuses[0]!;
      assert.deepEqual([s.followed, s.maxStreams, s.linesPerSecond, s.lagMs, s.errors, s.recentErrors, s.waiting.length], [3, 2, 12.5, { p50: 5, p95: 40, max: 90 }, { stream: 2 }, [], 1]);
      assert.deepEqual(s.totals, { linesRead: 1, records: 0, rejected: 0, otherLines: 0, streamsOpened: 0, reconnects: 0, stalls: 0, gaps: 0 });
    });
  });
}
