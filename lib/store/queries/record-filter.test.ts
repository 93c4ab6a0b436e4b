// One filter, two translations (Prisma for pages and exports, SQL for the charts), on every database: they select the
// same records, and the same ones on SQLite as on PostgreSQL.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import pg from 'pg';
import { after, before, describe, test } from 'node:test';
import type { AccessRecord } from '../../envoy/access-record.ts';
import { testBackends, type TestDatabase } from '../../testing/test-databases.ts';
import { sqliteFilePath } from '../database-url.ts';
import { openIngestStore } from '../ingest-store.ts';
import { pgConfigFrom } from '../postgres/pg-config.ts';
import { recordFilterSql as postgresFilterSql } from '../postgres/record-filter-sql.ts';
import { disconnectAll, prismaClientFor } from '../prisma-client.ts';
import { recordFilterSql as sqliteFilterSql } from '../sqlite/record-filter-sql.ts';
import { recordWhere, type RecordFilter } from './record-filter.ts';

const empty: AccessRecord = {
  startTime: null, startTimeNanos: null, method: null, path: null, protocol: null, status: null, bytesReceived: null,
  bytesSent: null, durationMs: null, upstreamServiceTimeMs: null, requestId: null, userAgent: null, forwardedFor: null,
  authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: null, responseFlags: null,
  downstreamRemoteIp: null, ambiguousFields: null, extra: null,
};

// [start, status, path, upstream pod, upstream IP]; seq is the position (1-based).
const rows: [number | null, number | null, string | null, string | null, string][] = [
  [1000, 200, '/api/orders', 'orders-1', '10.0.0.1'],
  [2000, 503, '/api/orders/9', 'orders-2', '10.0.0.2'],
  [3000, 0, '/api%', null, '10.0.0.3'],
  [4000, null, '/API/orders', null, '10.0.0.4'],
  [5000, 404, '/apix', 'orders-1', '10.0.0.1'],
  [6000, 200, '/api_x', null, '10.0.0.5'],
  [7000, 200, '/api\\x', null, '10.0.0.5'],
  [8000, 99, '/\u00fcber/caf\u00e9', null, '10.0.0.6'],
  [9000, 200, '/\u00fcber/\u{1F600}', null, '10.0.0.6'],
  [null, 200, '/api/no-time', null, '10.0.0.7'],
  [10_000, 200, null, null, '10.0.0.7'],
];

for (const backend of testBackends) {
  describe(backend.kind, () => {
    let db: TestDatabase;
    before(async () => {
      db = await backend.create({ name: 'record-filter' });
      const store = await openIngestStore(db.url);
      const { sourceId } = await store.openSource({ key: 'k', kind: 'pod', namespace: 'shop', pod: 'web-1', container: 'envoy', format: 'f' });
      await store.writeBatch(sourceId, {
        records: rows.map(([startTime, status, path, pod, ip], i) => ({
          seq: i + 1,
          record: { ...empty, startTime, status, path, upstreamIp: ip, upstreamHost: `${ip}:80`, upstreamCluster: 'orders', requestId: `r${i + 1}` },
          attribution: {
            upstreamKind: pod ? 'pod' : null, upstreamNamespace: null, upstreamPod: pod, upstreamService: null, upstreamAmbiguous: false,
            downstreamKind: null, downstreamNamespace: null, downstreamPod: null,
          },
        })),
        rejects: [],
        checkpoint: { linesRead: rows.length, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 },
      });
      await store.close();
    });
    after(async () => {
      await disconnectAll();
      await db?.remove();
    });

    const from = `FROM "AccessRecord" r JOIN "Source" s ON s."id" = r."sourceId"`;
    async function viaSql(filter: RecordFilter): Promise<number[]> {
      if (backend.kind === 'sqlite') {
        const { sql, params } = sqliteFilterSql(filter);
        const sqlite = new Database(sqliteFilePath(db.url), { readonly: true });
        try {
          return (sqlite.prepare(`SELECT r."seq" ${from} WHERE ${sql} ORDER BY r."id"`).all(params) as { seq: number }[]).map((r) => r.seq);
        } finally {
          sqlite.close();
        }
      }
      const { sql, params } = postgresFilterSql(filter);
      const client = new pg.Client(pgConfigFrom(db.url));
      await client.connect();
      try {
        return (await client.query<{ seq: number }>(`SELECT r."seq" ${from} WHERE ${sql} ORDER BY r."id"`, params)).rows.map((r) => r.seq);
      } finally {
        await client.end();
      }
    }

    async function both(filter: RecordFilter): Promise<number[]> {
      const viaPrisma = (await (await prismaClientFor(db.url)).accessRecord.findMany({ where: recordWhere(filter), orderBy: { id: 'asc' } })).map((r) => r.seq);
      const sql = await viaSql(filter);
      assert.deepEqual(viaPrisma, sql, JSON.stringify(filter));
      return sql;
    }

    test('status classes: no response is status 0 or none logged', async () => {
      assert.deepEqual(await both({ statusClass: 0 }), [3, 4, 8]);
      assert.deepEqual(await both({ statusClass: 5 }), [2]);
      assert.deepEqual(await both({ statusClass: 4 }), [5]);
      assert.deepEqual(await both({ statusClass: 2 }), [1, 6, 7, 9, 10, 11]);
    });

    test('path prefixes are exact: no wildcards or escapes, case kept, unicode by code point', async () => {
      assert.deepEqual(await both({ pathPrefix: '/api/' }), [1, 2, 10]);
      assert.deepEqual(await both({ pathPrefix: '/api%' }), [3]);
      assert.deepEqual(await both({ pathPrefix: '/api_' }), [6]);
      assert.deepEqual(await both({ pathPrefix: '/api\\' }), [7]);
      assert.deepEqual(await both({ pathPrefix: '/api' }), [1, 2, 3, 5, 6, 7, 10]);
      assert.deepEqual(await both({ pathPrefix: '/API' }), [4]);
      assert.deepEqual(await both({ pathPrefix: '/\u00fcber/' }), [8, 9]);
      assert.deepEqual(await both({ pathPrefix: '/\u00fcber/\u{1F600}' }), [9]);
      assert.deepEqual(await both({ pathPrefix: '/\u00dcber' }), []);
      assert.deepEqual(await both({ pathPrefix: '' }), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    test('upstream by pod, IP or host; time; source; cluster; request id', async () => {
      assert.deepEqual(await both({ upstream: 'orders-1' }), [1, 5]);
      assert.deepEqual(await both({ upstream: '10.0.0.3' }), [3]);
      assert.deepEqual(await both({ upstream: '10.0.0.5:80' }), [6, 7]);
      assert.deepEqual(await both({ since: 2000, until: 4000, namespace: 'shop', sourcePod: 'web-1', cluster: 'orders' }), [2, 3]);
      assert.deepEqual(await both({ since: 1999.5, until: 3000.5 }), [2, 3]);
      assert.deepEqual(await both({ until: 1001 }), [1]);
      assert.deepEqual(await both({ namespace: 'other' }), []);
      assert.deepEqual(await both({ requestId: 'r7' }), [7]);
      assert.deepEqual(await both({}), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    });
  });
}
