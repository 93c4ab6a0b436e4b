// The record as every reader sees it: built from a stored row, and the same from SQLite and from PostgreSQL.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testBackends } from '../../testing/test-databases.ts';
import { openIngestStore } from '../ingest-store.ts';
import { disconnectAll, prismaClientFor } from '../prisma-client.ts';
import { recordViewKeys, toRecordView } from './record-view.ts';

const row = {
  id: 7, sourceId: 1, seq: 3, startTime: new Date('2025-12-16T10:05:56.365Z'), startTimeNanos: 123456, method: 'GET',
  path: '/test', protocol: 'HTTP/1.1', status: 503, bytesReceived: 0n, bytesSent: 19n, durationMs: 12,
  upstreamServiceTimeMs: null, requestId: 'rid', userAgent: 'curl', forwardedFor: null, authority: null,
  upstreamHost: '10.244.0.81:10000', upstreamIp: '10.244.0.81', upstreamPort: 10000, upstreamCluster: 'app_service',
  responseFlags: 'UF,URX', downstreamRemoteIp: '10.244.0.80', ambiguousFields: '["REQ(USER-AGENT)"]',
  extraJson: '{"ROUTE_NAME":"r"}', logTime: new Date('2025-12-16T10:05:56.400Z'), upstreamKind: 'pod', upstreamNamespace: 'default',
  upstreamPod: 'backend-1', upstreamService: null, upstreamAmbiguous: true, downstreamKind: null, downstreamNamespace: null, downstreamPod: null,
  source: { namespace: 'default', pod: 'nginx', container: 'envoy', containerId: null, location: '/var/log/a.log', key: 'file:x' },
};

test('a stored row becomes the view every reader shares, with every listed key and no other', () => {
  const view = toRecordView(row);
  assert.deepEqual(Object.keys(view).sort(), [...recordViewKeys].sort());
  assert.equal(view.startTime, '2025-12-16T10:05:56.365Z');
  assert.equal(view.bytesSent, 19);
  assert.equal(view.line, 3);
  assert.equal(view.source, '/var/log/a.log');
  assert.deepEqual(view.ambiguousFields, ['REQ(USER-AGENT)']);
  assert.deepEqual(view.extra, { ROUTE_NAME: 'r' });
  assert.deepEqual([view.logTime, view.upstreamKind, view.upstreamPod, view.upstreamAmbiguous], ['2025-12-16T10:05:56.400Z', 'pod', 'backend-1', true]);
});

test('JSON columns that do not parse are shown as null rather than failing the page', () => {
  const view = toRecordView({ ...row, ambiguousFields: '[oops', extraJson: '{' });
  assert.equal(view.ambiguousFields, null);
  assert.equal(view.extra, null);
});

for (const backend of testBackends) {
  describe(backend.kind, () => {
    test('a record written and read back gives the view built from the row above', async () => {
      const db = await backend.create({ name: 'record-view' });
      try {
        const store = await openIngestStore(db.url);
        const { sourceId } = await store.openSource({
          key: row.source.key, kind: 'file', namespace: 'default', pod: 'nginx', container: 'envoy', location: row.source.location, format: 'f',
        });
        await store.writeBatch(sourceId, {
          records: [{
            seq: row.seq,
            logTime: row.logTime.getTime(),
            record: {
              startTime: row.startTime.getTime(), startTimeNanos: row.startTimeNanos, method: row.method, path: row.path, protocol: row.protocol,
              status: row.status, bytesReceived: 0, bytesSent: 19, durationMs: row.durationMs, upstreamServiceTimeMs: null, requestId: row.requestId,
              userAgent: row.userAgent, forwardedFor: null, authority: null, upstreamHost: row.upstreamHost, upstreamIp: row.upstreamIp,
              upstreamPort: row.upstreamPort, upstreamCluster: row.upstreamCluster, responseFlags: row.responseFlags,
              downstreamRemoteIp: row.downstreamRemoteIp, ambiguousFields: ['REQ(USER-AGENT)'], extra: { ROUTE_NAME: 'r' },
            },
            attribution: {
              upstreamKind: 'pod', upstreamNamespace: 'default', upstreamPod: 'backend-1', upstreamService: null, upstreamAmbiguous: true,
              downstreamKind: null, downstreamNamespace: null, downstreamPod: null,
            },
          }],
          rejects: [],
          checkpoint: { linesRead: 1, bytesRead: 1, fingerprint: null, watermark: null, watermarkCount: 0 },
        });
        await store.close();
        const prisma = await prismaClientFor(db.url);
        const stored = await prisma.accessRecord.findFirstOrThrow({
          include: { source: { select: { namespace: true, pod: true, container: true, containerId: true, location: true, key: true } } },
        });
        assert.deepEqual({ ...toRecordView(stored), id: 7 }, toRecordView(row));
      } finally {
        await disconnectAll();
        await db.remove();
      }
    });
  });
}
