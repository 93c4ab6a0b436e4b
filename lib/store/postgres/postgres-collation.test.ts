// The raw-SQL stores on a PostgreSQL database whose collation is not C (ICU en-US, where "a" < "B" and case is a
// tie-breaker): path prefixes, orders and ties still come out by code point, as on SQLite.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { after, before, describe, test } from 'node:test';
import type { AccessRecord } from '../../envoy/access-record.ts';
import { testPostgresServer } from '../../testing/test-postgres.ts';
import { openAnalysisStore } from '../analysis-store.ts';
import { openChartStore } from '../chart-store.ts';
import { openCollectorStore } from '../collector-store.ts';
import { deployMigrations } from '../migrate.ts';
import { prismaClientFor } from '../prisma-client.ts';
import { recordWhere } from '../queries/record-filter.ts';
import { pgConfigFrom, withDatabase } from './pg-config.ts';

const empty: AccessRecord = {
  startTime: null, startTimeNanos: null, method: null, path: null, protocol: null, status: null, bytesReceived: null,
  bytesSent: null, durationMs: null, upstreamServiceTimeMs: null, requestId: null, userAgent: null, forwardedFor: null,
  authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: null, responseFlags: null,
  downstreamRemoteIp: null, ambiguousFields: null, extra: null,
};

async function admin<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(pgConfigFrom(`${testPostgresServer()}/postgres`));
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL with an ICU en-US collation', () => {
  const name = `envoy_lens_test_icu_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const url = withDatabase(`${testPostgresServer()}/postgres`, name);

  before(async () => {
    await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`));
    await deployMigrations(url);
    const store = await openCollectorStore(url, { migrate: false });
    const { sourceId } = await store.openSource({ key: 'k', kind: 'pod', namespace: 'ns', pod: 'web', container: 'envoy', format: 'f' });
    const paths = ['/api/a', '/API/b', '/apiX', '/a-pi', '/api', '/Zeta', '/alpha'];
    const pods = ['b-pod', 'B-pod', 'a-pod', 'A-pod', 'b-pod', 'B-pod', 'a-pod'];
    await store.writeBatch(sourceId, {
      records: paths.map((path, i) => ({
        seq: i + 1,
        record: { ...empty, startTime: 1000 + i, path, durationMs: i },
        attribution: {
          upstreamKind: 'pod', upstreamNamespace: 'ns', upstreamPod: pods[i]!, upstreamService: null, upstreamAmbiguous: false,
          downstreamKind: null, downstreamNamespace: null, downstreamPod: null,
        },
      })),
      rejects: [],
      checkpoint: { linesRead: paths.length, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 },
    });
    for (const kubeName of ['beta', 'Alpha', 'alpha', 'Beta']) {
      await store.saveKubeObject({ kind: 'Pod', namespace: 'ns', name: kubeName, uid: kubeName, json: '{}', firstSeenMs: 1, lastSeenMs: 1, deletedMs: null });
    }
    for (const id of ['b', 'A', 'a', 'B']) await store.writeStatus(id, '{}');
    await store.close();
  });
  after(async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });

  test('the database really sorts by its collation', async () => {
    const client = new pg.Client(pgConfigFrom(url));
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT x FROM unnest(ARRAY['b', 'A', 'a', 'B']) x ORDER BY x`);
      assert.deepEqual(rows.map((r) => r.x), ['a', 'A', 'b', 'B']);
    } finally {
      await client.end();
    }
  });

  test('Prisma queries (the requests page, traces): path and request-id prefixes are exact and case-sensitive', async () => {
    // The migration gives these two columns byte order; Prisma's range filters then agree with SQLite.
    const prisma = await prismaClientFor(url);
    const paths = async (pathPrefix: string) =>
      (await prisma.accessRecord.findMany({ where: recordWhere({ pathPrefix }), orderBy: { path: 'asc' } })).map((r) => r.path);
    assert.deepEqual(await paths('/api'), ['/api', '/api/a', '/apiX']);
    assert.deepEqual(await paths('/API'), ['/API/b']);
    await prisma.$disconnect();
  });

  test('charts: path prefixes exact and case-sensitive, upstream ties by code point', async () => {
    const store = (await openChartStore(url))!;
    try {
      const grid = { originMs: 0, bucketMs: 1 };
      const durations = async (pathPrefix: string) => (await store.durationCounts({ pathPrefix }, grid)).map((r) => r.durationMs);
      assert.deepEqual(await durations('/api'), [0, 2, 4]);
      assert.deepEqual(await durations('/API'), [1]);
      assert.deepEqual(await durations('/a'), [0, 2, 3, 4, 6]);
      assert.deepEqual((await store.topUpstreams({}, 10)).map((u) => u.upstream), ['B-pod', 'a-pod', 'b-pod', 'A-pod']);
      const perUpstream = await store.upstreamDurationCounts({}, null, ['b-pod', 'A-pod', 'a-pod', 'B-pod']);
      assert.deepEqual([...new Set(perUpstream.map((r) => r.upstream))], ['A-pod', 'B-pod', 'a-pod', 'b-pod']);
    } finally {
      store.close();
    }
  });

  test('analysis and collector reads ordered by code point', async () => {
    const analysis = await openAnalysisStore(url);
    try {
      assert.deepEqual((await analysis.kubeObjects()).map((o) => o.name), ['Alpha', 'Beta', 'alpha', 'beta']);
      await analysis.replaceFindings(['b', 'A', 'a', 'B'].map((key) => ({
        key, code: 'EL0001', severity: 'error', resourceKind: 'Service', resourceNamespace: null, resourceName: 'x', location: null, title: 't',
        message: 'm', fixJson: null, evidenceJson: '{}', firstSeenMs: null, lastSeenMs: null, suppressedBy: null, analyzedAtMs: 1,
      })));
      assert.deepEqual((await analysis.findings()).map((f) => f.key), ['A', 'B', 'a', 'b']);
    } finally {
      analysis.close();
    }
    const collector = await openCollectorStore(url, { migrate: false });
    try {
      assert.deepEqual((await collector.readStatuses()).map((s) => s.id), ['A', 'B', 'a', 'b']);
    } finally {
      await collector.close();
    }
  });
});
