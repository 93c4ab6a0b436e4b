// The record readers behind the Records page, exports, the live view and the Overview, on every database: pages by
// id, filtered streaming, records after an id, the newest start time, ingest totals and collection rows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccessRecord } from '../../envoy/access-record.ts';
import { testBackends, type TestDatabase } from '../../testing/test-databases.ts';
import { openCollectorStore } from '../collector-store.ts';
import { disconnectAll, prismaClientFor } from '../prisma-client.ts';
import { collectionRows } from './collection-status.ts';
import { ingestTotals } from './ingest-totals.ts';
import { latestRecordMs } from './latest-record.ts';
import { newestRecordId, recordsAfter } from './live-records.ts';
import { countUntimedRecords, iterateRecords, listRecords } from './records.ts';

const empty: AccessRecord = {
  startTime: null, startTimeNanos: null, method: null, path: null, protocol: null, status: null, bytesReceived: null,
  bytesSent: null, durationMs: null, upstreamServiceTimeMs: null, requestId: null, userAgent: null, forwardedFor: null,
  authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: null, responseFlags: null,
  downstreamRemoteIp: null, ambiguousFields: null, extra: null,
};
const NOW = Date.UTC(2025, 11, 16, 12, 0, 0, 0);

for (const backend of testBackends) {
  describe(backend.kind, () => {
    let db: TestDatabase;
    before(async () => {
      db = await backend.create({ name: 'records-query' });
      const store = await openCollectorStore(db.url);
      const { sourceId } = await store.openSource({ key: 'k', kind: 'pod', namespace: 'shop', pod: 'web', container: 'envoy', containerId: 'containerd://abc', format: 'f' });
      const other = (await store.openSource({ key: 'file:/x', kind: 'file', location: '/x', format: 'f' })).sourceId;
      // 25 records a second apart, the last one an hour in the future; every fifth a 503.
      const records = Array.from({ length: 25 }, (_, i) => ({
        seq: i + 1,
        record: { ...empty, startTime: i === 24 ? NOW + 3_600_000 : NOW - 60_000 + i * 1000, status: i % 5 === 4 ? 503 : 200, path: `/p/${i + 1}`, bytesSent: 2 ** 40 + i },
        ...(i === 3 ? { record: { ...empty, path: '/ambiguous', status: 200, startTime: NOW - 57_000, ambiguousFields: ['X'] } } : {}),
      }));
      await store.writeBatches([
        { sourceId, batch: { records, rejects: [{ seq: 26, reason: 'r', column: null, raw: 'x' }], otherLines: 2, checkpoint: { linesRead: 28, bytesRead: 999, fingerprint: null, watermark: null, watermarkCount: 0 } } },
        { sourceId: other, batch: { records: [{ seq: 1, record: { ...empty, path: '/file', status: 200 } }], rejects: [], otherLines: 1, checkpoint: { linesRead: 2, bytesRead: 9, fingerprint: null, watermark: null, watermarkCount: 0 } } },
      ]);
      await store.recordGap({ namespace: 'shop', pod: 'web', container: 'envoy', fromTime: null, toTime: null, reason: 'rotated', detail: 'd' });
      await store.writeStatus('b', '{}');
      await store.writeStatus('a', '{}');
      await store.close();
    });
    after(async () => {
      await disconnectAll();
      await db?.remove();
    });

    test('pages newest first by id, with the total; filtered; big byte counts as numbers', async () => {
      const prisma = await prismaClientFor(db.url);
      const first = await listRecords(prisma, { limit: 10 });
      assert.equal(first.total, 26);
      assert.deepEqual(first.records.map((r) => r.path), ['/file', '/p/25', '/p/24', '/p/23', '/p/22', '/p/21', '/p/20', '/p/19', '/p/18', '/p/17']);
      const second = await listRecords(prisma, { limit: 10, before: first.nextBefore! });
      assert.equal(second.records[0]!.path, '/p/16');
      const failed = await listRecords(prisma, { limit: 100, filter: { statusClass: 5 } });
      assert.deepEqual([failed.total, failed.records.map((r) => r.line)], [5, [25, 20, 15, 10, 5]]);
      assert.equal(failed.nextBefore, null);
      assert.equal(failed.records[0]!.bytesSent, 2 ** 40 + 24);
      assert.deepEqual([failed.records[0]!.namespace, failed.records[0]!.containerId, failed.records[0]!.source], ['shop', 'containerd://abc', 'k']);
    });

    test('a capped count stops at the cap and says so; no count at all when asked', async () => {
      const prisma = await prismaClientFor(db.url);
      const capped = await listRecords(prisma, { limit: 3, countUpTo: 10 });
      assert.deepEqual([capped.total, capped.totalCapped, capped.records.length], [10, true, 3]);
      const under = await listRecords(prisma, { limit: 3, countUpTo: 26, filter: { statusClass: 5 } });
      assert.deepEqual([under.total, under.totalCapped], [5, false]);
      const exactAtCap = await listRecords(prisma, { limit: 3, countUpTo: 26 });
      assert.deepEqual([exactAtCap.total, exactAtCap.totalCapped], [26, false]);
      const none = await listRecords(prisma, { limit: 3, countUpTo: 0 });
      assert.deepEqual([none.total, none.totalCapped, none.records.length], [0, false, 3]);
      assert.equal(await countUntimedRecords(prisma, {}), 1, 'the record of the format without a start time');
      assert.equal(await countUntimedRecords(prisma, { since: 0 }), 0);
    });

    test('streaming in id order across pages; a time filter', async () => {
      const prisma = await prismaClientFor(db.url);
      const all: number[] = [];
      for await (const r of iterateRecords(prisma, {}, 7)) all.push(r.line);
      assert.deepEqual(all, [...Array.from({ length: 25 }, (_, i) => i + 1), 1]);
      const window: string[] = [];
      for await (const r of iterateRecords(prisma, { since: NOW - 60_000, until: NOW - 55_000 })) window.push(r.startTime!);
      assert.deepEqual(window, [0, 1, 2, 3, 4].map((i) => new Date(NOW - 60_000 + i * 1000).toISOString()));
    });

    test('live: records after an id up to the newest, in order; the newest start not far in the future', async () => {
      const prisma = await prismaClientFor(db.url);
      const newest = await newestRecordId(prisma);
      const page = await recordsAfter(prisma, { afterId: newest - 5, throughId: newest - 1, filter: {}, limit: 10 });
      assert.deepEqual(page.map((r) => r.path), ['/p/22', '/p/23', '/p/24', '/p/25']);
      const ok = await recordsAfter(prisma, { afterId: 0, throughId: newest, filter: { statusClass: 5 }, limit: 2 });
      assert.deepEqual(ok.map((r) => r.path), ['/p/5', '/p/10']);
      assert.equal(await latestRecordMs(prisma, NOW), NOW - 60_000 + 23_000);
      assert.equal(await latestRecordMs(prisma, NOW + 3_600_000), NOW + 3_600_000);
    });

    test('ingest totals and collection rows', async () => {
      const prisma = await prismaClientFor(db.url);
      assert.deepEqual(await ingestTotals(prisma), { sources: 2, linesRead: 30, records: 26, rejected: 1, ambiguous: 1 });
      const rows = await collectionRows(prisma);
      assert.deepEqual([rows.gaps, rows.otherLines, rows.statuses.length], [1, 3, 2]);
    });
  });
}
