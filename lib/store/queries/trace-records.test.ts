// Reading one request across sidecars, and the prefix search over request ids, on every database: the same order
// (records without a start time first), the same exact prefixes (no wildcards, case kept) on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccessRecord } from '../../envoy/access-record.ts';
import { testBackends, type TestDatabase } from '../../testing/test-databases.ts';
import { openIngestStore } from '../ingest-store.ts';
import { disconnectAll, prismaClientFor } from '../prisma-client.ts';
import { searchRequestIds, traceRecords } from './trace-records.ts';

const empty: AccessRecord = {
  startTime: null, startTimeNanos: null, method: null, path: null, protocol: null, status: null, bytesReceived: null,
  bytesSent: null, durationMs: null, upstreamServiceTimeMs: null, requestId: null, userAgent: null, forwardedFor: null,
  authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: null, responseFlags: null,
  downstreamRemoteIp: null, ambiguousFields: null, extra: null,
};

// [request id, start ms, path]; seq is the position.
const lines: [string, number | null, string][] = [
  ['abcd-1', 3000, '/front'],
  ['abcd-1', 1000, '/back'],
  ['abcd-1', null, '/untimed'],
  ['abcd-1', 1000, '/back-retry'],
  ['abcd-2', 5000, '/x'],
  ['ABCD-3', 9000, '/upper'],
  ['abcd%4', 2000, '/percent'],
  ['abcd_5', 2500, '/underscore'],
  ['abcd\\6', 2600, '/backslash'],
  ['abcd-7', null, '/never-timed'],
  ['abcd-8', null, '/never-timed-either'],
];

for (const backend of testBackends) {
  describe(backend.kind, () => {
    let db: TestDatabase;
    before(async () => {
      db = await backend.create({ name: 'trace-records' });
      const store = await openIngestStore(db.url);
      const { sourceId } = await store.openSource({ key: 'k', kind: 'pod', namespace: 'shop', pod: 'web', container: 'envoy', format: 'f' });
      await store.writeBatch(sourceId, {
        records: lines.map(([requestId, startTime, path], i) => ({ seq: i + 1, record: { ...empty, requestId, startTime, path } })),
        rejects: [],
        checkpoint: { linesRead: lines.length, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 },
      });
      await store.close();
    });
    after(async () => {
      await disconnectAll();
      await db?.remove();
    });

    test('a trace: every record of the id, records without a start time first, then by time and id', async () => {
      const records = await traceRecords(await prismaClientFor(db.url), 'abcd-1');
      assert.deepEqual(records.map((r) => [r.path, r.startTimeMs]), [['/untimed', null], ['/back', 1000], ['/back-retry', 1000], ['/front', 3000]]);
      assert.deepEqual(records[1]!.source, { namespace: 'shop', pod: 'web', container: 'envoy' });
      assert.deepEqual((await traceRecords(await prismaClientFor(db.url), 'abcd-1', 2)).map((r) => r.path), ['/untimed', '/back']);
      assert.deepEqual(await traceRecords(await prismaClientFor(db.url), 'ABCD-1'), []);
    });

    test('prefix search: newest first, then ids never timed; exact prefixes, no wildcards, case kept', async () => {
      const prisma = await prismaClientFor(db.url);
      const ids = async (prefix: string, limit?: number) => (await searchRequestIds(prisma, prefix, limit)).map((m) => m.requestId);
      assert.deepEqual(await ids('abcd'), ['abcd-2', 'abcd-1', 'abcd\\6', 'abcd_5', 'abcd%4', 'abcd-7', 'abcd-8']);
      assert.deepEqual(await ids('abcd', 6), ['abcd-2', 'abcd-1', 'abcd\\6', 'abcd_5', 'abcd%4', 'abcd-7']);
      assert.deepEqual(await ids('abcd', 2), ['abcd-2', 'abcd-1']);
      assert.deepEqual(await ids('abcd%'), ['abcd%4']);
      assert.deepEqual(await ids('abcd_'), ['abcd_5']);
      assert.deepEqual(await ids('abcd\\'), ['abcd\\6']);
      assert.deepEqual(await ids('ABCD'), ['ABCD-3']);
      assert.deepEqual(await ids('abcd-'), ['abcd-2', 'abcd-1', 'abcd-7', 'abcd-8']);
      assert.deepEqual(await ids('zz'), []);
      const [one] = await searchRequestIds(prisma, 'abcd-1');
      assert.deepEqual(one, { requestId: 'abcd-1', hops: 4, firstMs: 1000, lastMs: 3000 });
      const [never] = await searchRequestIds(prisma, 'abcd-7');
      assert.deepEqual(never, { requestId: 'abcd-7', hops: 1, firstMs: null, lastMs: null });
    });
  });
}
