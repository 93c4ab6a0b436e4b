// The write path on every database: the same batches give the same stored rows and counters on SQLite and on
// PostgreSQL. Runs in a zone far from UTC, so a timestamp converted through local time anywhere would show.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { AccessRecord } from '../envoy/access-record.ts';
import { testBackends, type TestDatabase } from '../testing/test-databases.ts';
import { MAX_REJECTED_RAW, openIngestStore, type IngestBatch, type IngestStore, type RecordRow } from './ingest-store.ts';
import { disconnectAll, prismaClientFor } from './prisma-client.ts';
import { toRecordView } from './queries/record-view.ts';

process.env.TZ = 'Asia/Kathmandu';

const empty: AccessRecord = {
  startTime: null, startTimeNanos: null, method: null, path: null, protocol: null, status: null, bytesReceived: null,
  bytesSent: null, durationMs: null, upstreamServiceTimeMs: null, requestId: null, userAgent: null, forwardedFor: null,
  authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: null, responseFlags: null,
  downstreamRemoteIp: null, ambiguousFields: null, extra: null,
};
const T = Date.UTC(2025, 11, 16, 10, 5, 56, 365);

const full: RecordRow = {
  seq: 1,
  logTime: T + 35,
  record: {
    ...empty, startTime: T, startTimeNanos: 123456, method: 'GET', path: '/caf\u00e9/\u{1F600}?q="x"\\y', protocol: 'HTTP/1.1',
    status: 503, bytesReceived: 0, bytesSent: 5_000_000_123, durationMs: 12, upstreamServiceTimeMs: 10, requestId: 'rid-1',
    userAgent: 'curl/8.0 {"a",b}', forwardedFor: '10.0.0.1, 10.0.0.2', authority: 'backend', upstreamHost: '10.244.0.81:10000',
    upstreamIp: '10.244.0.81', upstreamPort: 10000, upstreamCluster: 'app_service', responseFlags: 'UF,URX',
    downstreamRemoteIp: '10.244.0.80', ambiguousFields: ['REQ(USER-AGENT)'], extra: { ROUTE_NAME: 'r', n: 1, nested: { NULL: null } },
  },
  attribution: {
    upstreamKind: 'pod', upstreamNamespace: 'default', upstreamPod: 'backend-1', upstreamService: null, upstreamAmbiguous: true,
    downstreamKind: 'pod', downstreamNamespace: 'default', downstreamPod: 'nginx',
  },
};
/** The same line with nothing but its position: every nullable column null. */
const bare: RecordRow = { seq: 2, record: empty };
/** Text PostgreSQL can store only with U+0000 replaced; a string that says NULL. */
const odd: RecordRow = { seq: 3, record: { ...empty, startTime: 0, path: 'NULL', method: 'a\u0000b', ambiguousFields: [] } };

const batchOf = (records: RecordRow[], o: Partial<IngestBatch> & { lines?: number } = {}): IngestBatch => ({
  records,
  rejects: o.rejects ?? [],
  checkpoint: o.checkpoint ?? { linesRead: o.lines ?? records.length, bytesRead: 6_000_000_000, fingerprint: 'fp', watermark: null, watermarkCount: 0 },
  ...(o.otherLines !== undefined ? { otherLines: o.otherLines } : {}),
});

const source = (key: string) => ({ key, kind: 'file' as const, location: `/logs/${key}`, format: '%START_TIME%' });

async function storedViews(url: string) {
  const prisma = await prismaClientFor(url);
  const rows = await prisma.accessRecord.findMany({ orderBy: [{ sourceId: 'asc' }, { seq: 'asc' }], include: { source: true } });
  return rows.map((r) => ({ ...toRecordView(r), id: 0, nanos: r.startTimeNanos, bytes: [r.bytesReceived, r.bytesSent] }));
}

for (const backend of testBackends) {
  describe(backend.kind, () => {
    const open: { db: TestDatabase; stores: IngestStore[] }[] = [];
    async function fresh(): Promise<{ db: TestDatabase; store: IngestStore; another: () => Promise<IngestStore> }> {
      const db = await backend.create({ name: 'ingest-store' });
      const entry = { db, stores: [await openIngestStore(db.url)] };
      open.push(entry);
      const another = async () => {
        const s = await openIngestStore(db.url);
        entry.stores.push(s);
        return s;
      };
      return { db, store: entry.stores[0]!, another };
    }
    after(async () => {
      await disconnectAll();
      for (const { db, stores } of open) {
        for (const s of stores) await s.close().catch(() => undefined);
        await db.remove();
      }
    });

    test('records stored as given: nulls, big byte counts, ms timestamps, sub-ms nanos, attribution, odd text', async () => {
      const { db, store } = await fresh();
      const { sourceId, checkpoint } = await store.openSource(source('a'));
      assert.equal(checkpoint, null);
      assert.deepEqual(await store.writeBatch(sourceId, batchOf([full, bare, odd], { otherLines: 2 })), { recordsAdded: 3, rejectsAdded: 0 });
      const views = await storedViews(db.url);
      assert.equal(views.length, 3);
      assert.deepEqual(views[0], {
        id: 0, namespace: null, pod: null, container: null, containerId: null, source: '/logs/a', line: 1,
        startTime: '2025-12-16T10:05:56.365Z', logTime: '2025-12-16T10:05:56.400Z', method: 'GET', path: '/caf\u00e9/\u{1F600}?q="x"\\y',
        protocol: 'HTTP/1.1', status: 503, bytesReceived: 0, bytesSent: 5_000_000_123, durationMs: 12, upstreamServiceTimeMs: 10,
        requestId: 'rid-1', userAgent: 'curl/8.0 {"a",b}', forwardedFor: '10.0.0.1, 10.0.0.2', authority: 'backend',
        upstreamHost: '10.244.0.81:10000', upstreamIp: '10.244.0.81', upstreamPort: 10000, upstreamCluster: 'app_service',
        upstreamKind: 'pod', upstreamNamespace: 'default', upstreamPod: 'backend-1', upstreamService: null, upstreamAmbiguous: true,
        responseFlags: 'UF,URX', downstreamRemoteIp: '10.244.0.80', downstreamKind: 'pod', downstreamNamespace: 'default',
        downstreamPod: 'nginx', ambiguousFields: ['REQ(USER-AGENT)'], extra: { ROUTE_NAME: 'r', n: 1, nested: { NULL: null } },
        nanos: 123456, bytes: [0n, 5_000_000_123n],
      });
      const nulls = Object.entries(views[1]!).filter(([, v]) => v !== null).map(([k]) => k).sort();
      assert.deepEqual(nulls, ['bytes', 'id', 'line', 'source', 'upstreamAmbiguous']);
      assert.deepEqual([views[1]!.upstreamAmbiguous, views[1]!.bytes], [false, [null, null]]);
      // U+0000 cannot be stored by PostgreSQL: it comes back as U+FFFD there.
      assert.equal(views[2]!.method, backend.kind === 'postgresql' ? 'a\uFFFDb' : 'a\u0000b');
      assert.deepEqual([views[2]!.startTime, views[2]!.path, views[2]!.ambiguousFields], ['1970-01-01T00:00:00.000Z', 'NULL', []]);
      const again = await store.openSource(source('a'));
      assert.deepEqual(again, {
        sourceId,
        checkpoint: {
          linesRead: 3, bytesRead: 6_000_000_000, fingerprint: 'fp', watermark: null, watermarkCount: 0, records: 3, rejected: 0,
          ambiguous: 2, otherLines: 2, finished: false,
        },
      });
    });

    test('rejected lines: raw text cut at the limit with its full length, duplicates by seq skipped', async () => {
      const { db, store } = await fresh();
      const { sourceId } = await store.openSource(source('r'));
      const long = 'x'.repeat(MAX_REJECTED_RAW + 10);
      const rejects = [
        { seq: 1, reason: 'bad "quote"', column: 3, raw: 'garbage \\ {"a"}' },
        { seq: 2, reason: 'too long', column: null, raw: long },
        { seq: 2, reason: 'same seq again', column: 1, raw: 'dup' },
      ];
      assert.deepEqual(await store.writeBatch(sourceId, batchOf([], { rejects, lines: 3 })), { recordsAdded: 0, rejectsAdded: 2 });
      const prisma = await prismaClientFor(db.url);
      const rows = await prisma.rejectedLine.findMany({ orderBy: { seq: 'asc' } });
      assert.deepEqual(rows.map((r) => [r.seq, r.reason, r.column, r.raw.length, r.rawLength]), [
        [1, 'bad "quote"', 3, 15, 15], [2, 'too long', null, MAX_REJECTED_RAW, MAX_REJECTED_RAW + 10],
      ]);
      assert.equal(rows[0]!.raw, 'garbage \\ {"a"}');
      assert.ok(Math.abs(rows[0]!.createdAt.getTime() - Date.now()) < 60_000, 'createdAt is now (UTC)');
      assert.equal((await store.openSource(source('r'))).checkpoint?.rejected, 2);
    });

    test('a batch written again adds nothing and counts nothing twice; the position still moves', async () => {
      const { store } = await fresh();
      const { sourceId } = await store.openSource(source('b'));
      const rows = [full, bare, odd];
      await store.writeBatch(sourceId, batchOf(rows, { rejects: [{ seq: 4, reason: 'r', column: null, raw: 'x' }], lines: 4, otherLines: 1 }));
      const second = await store.writeBatch(sourceId, {
        ...batchOf([...rows, { seq: 5, record: { ...empty, ambiguousFields: ['X'] } }], { rejects: [{ seq: 4, reason: 'r', column: null, raw: 'x' }], otherLines: 1 }),
        checkpoint: { linesRead: 5, bytesRead: 50, fingerprint: 'fp2', watermark: '2025-12-16T10:05:56.000000001Z', watermarkCount: 2, finished: true },
      });
      assert.deepEqual(second, { recordsAdded: 1, rejectsAdded: 0 });
      assert.deepEqual((await store.openSource(source('b'))).checkpoint, {
        linesRead: 5, bytesRead: 50, fingerprint: 'fp2', watermark: '2025-12-16T10:05:56.000000001Z', watermarkCount: 2, records: 4,
        rejected: 1, ambiguous: 3, otherLines: 2, finished: true,
      });
    });

    test('writeBatches: several sources in one transaction; a failing item leaves nothing behind', async () => {
      const { db, store } = await fresh();
      const a = (await store.openSource(source('x'))).sourceId;
      const b = (await store.openSource(source('y'))).sourceId;
      assert.deepEqual(await store.writeBatches([]), []);
      const results = await store.writeBatches([
        { sourceId: a, batch: batchOf([full, bare]) },
        { sourceId: b, batch: batchOf([full], { rejects: [{ seq: 2, reason: 'r', column: 1, raw: 'x' }] }) },
      ]);
      assert.deepEqual(results, [{ recordsAdded: 2, rejectsAdded: 0 }, { recordsAdded: 1, rejectsAdded: 1 }]);
      // The second item names a source that does not exist: the first one's rows and checkpoint roll back with it.
      await assert.rejects(store.writeBatches([
        { sourceId: a, batch: batchOf([{ ...bare, seq: 10 }], { lines: 10 }) },
        { sourceId: 999_999, batch: batchOf([bare]) },
      ]));
      const prisma = await prismaClientFor(db.url);
      assert.equal(await prisma.accessRecord.count(), 3);
      assert.deepEqual((await store.openSource(source('x'))).checkpoint?.linesRead, 2);
    });

    test('two stores writing the same source at once: every seq stored once, counted once', async () => {
      const { db, store, another } = await fresh();
      const other = await another();
      const { sourceId } = await store.openSource(source('c'));
      const rows = (from: number, to: number): RecordRow[] =>
        Array.from({ length: to - from }, (_, i) => ({ seq: from + i, record: { ...empty, startTime: T + from + i, path: `/p/${from + i}` } }));
      // Overlapping ranges, interleaved: 1..600 in all.
      const writes = await Promise.all([
        store.writeBatches([{ sourceId, batch: batchOf(rows(1, 400)) }]),
        other.writeBatches([{ sourceId, batch: batchOf(rows(200, 601)) }]),
        store.writeBatch(sourceId, batchOf(rows(100, 300))),
        other.writeBatch(sourceId, batchOf(rows(500, 601))),
      ]);
      const added = writes.flat().reduce((n, r) => n + r.recordsAdded, 0);
      assert.equal(added, 600);
      const prisma = await prismaClientFor(db.url);
      assert.equal(await prisma.accessRecord.count({ where: { sourceId } }), 600);
      assert.equal((await store.openSource(source('c'))).checkpoint?.records, 600);
    });

    test('two readers of one container: the position never moves back, finished stays, their own messages count once', async () => {
      const { store, another } = await fresh();
      const slower = await another();
      const { sourceId } = await store.openSource(source('two-readers'));
      const rows = (from: number, to: number): RecordRow[] =>
        Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, record: { ...empty, startTime: T + from + i } })).filter((r) => r.seq !== 5);
      const at = (linesRead: number, finished = false) => ({ linesRead, bytesRead: linesRead * 10, fingerprint: `fp${linesRead}`, watermark: `w${linesRead}`, watermarkCount: 1, finished });
      // Line 5 is one of Envoy's own messages; both readers see it.
      await store.writeBatch(sourceId, { ...batchOf(rows(1, 12)), otherLineSeqs: [5], checkpoint: at(12, true) });
      await slower.writeBatch(sourceId, { ...batchOf(rows(1, 8)), otherLineSeqs: [5], checkpoint: at(8) });
      const cp = (await store.openSource(source('two-readers'))).checkpoint!;
      assert.deepEqual([cp.linesRead, cp.bytesRead, cp.fingerprint, cp.watermark, cp.finished, cp.records, cp.otherLines], [12, 120, 'fp12', 'w12', true, 11, 1]);
      // Further on, new messages count.
      await slower.writeBatch(sourceId, { ...batchOf([]), otherLineSeqs: [11, 13], checkpoint: at(13) });
      const next = (await store.openSource(source('two-readers'))).checkpoint!;
      assert.deepEqual([next.linesRead, next.watermark, next.otherLines], [13, 'w13', 2]);
    });

    test('a batch of long lines (more text than one statement carries) is stored and counted as one', async () => {
      const { db, store } = await fresh();
      const { sourceId } = await store.openSource(source('long'));
      const longPath = `/${'p'.repeat(500_000)}`;
      const records: RecordRow[] = Array.from({ length: 40 }, (_, i) => ({ seq: i + 1, record: { ...empty, path: `${longPath}${i}`, ambiguousFields: i % 2 ? ['X'] : null } }));
      const rejects = Array.from({ length: 300 }, (_, i) => ({ seq: 100 + i, reason: 'r', column: null, raw: `${i}`.padEnd(MAX_REJECTED_RAW + 5, 'x') }));
      const batch = batchOf(records, { rejects, lines: 400, otherLines: 7 });
      assert.deepEqual(await store.writeBatch(sourceId, batch), { recordsAdded: 40, rejectsAdded: 300 });
      assert.deepEqual(await store.writeBatch(sourceId, batch), { recordsAdded: 0, rejectsAdded: 0 });
      const cp = (await store.openSource(source('long'))).checkpoint!;
      assert.deepEqual([cp.linesRead, cp.records, cp.rejected, cp.ambiguous, cp.otherLines], [400, 40, 300, 20, 14]);
      const prisma = await prismaClientFor(db.url);
      const last = await prisma.accessRecord.findFirstOrThrow({ where: { sourceId, seq: 40 } });
      assert.equal(last.path, `${longPath}39`);
      assert.equal(await prisma.rejectedLine.count({ where: { sourceId, rawLength: MAX_REJECTED_RAW + 5 } }), 300);
    });

    test('a source opened again keeps its id; location and format are updated', async () => {
      const { db, store } = await fresh();
      const first = await store.openSource({ ...source('s'), namespace: 'shop', pod: 'web', container: 'envoy', podUid: 'u', containerId: 'c' });
      const second = await store.openSource({ ...source('s'), location: '/moved', format: 'other' });
      assert.equal(second.sourceId, first.sourceId);
      const prisma = await prismaClientFor(db.url);
      const row = await prisma.source.findUniqueOrThrow({ where: { id: first.sourceId } });
      assert.deepEqual([row.key, row.kind, row.namespace, row.pod, row.container, row.podUid, row.containerId, row.location, row.format],
        ['s', 'file', 'shop', 'web', 'envoy', 'u', 'c', '/moved', 'other']);
      assert.ok(Math.abs(row.updatedAt.getTime() - Date.now()) < 60_000, 'updatedAt is now (UTC)');
    });
  });
}
