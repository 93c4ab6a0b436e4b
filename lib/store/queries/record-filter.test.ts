// One filter, two translations (Prisma for pages and exports, SQL for the charts): on a real SQLite database they
// select the same records.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, test } from 'node:test';
import { tempSqliteDatabase, type TempDatabase } from '../../testing/temp-database.ts';
import { sqliteFilePath } from '../database-url.ts';
import { deployMigrations } from '../migrate.ts';
import { disconnectAll, prismaClientFor } from '../prisma-client.ts';
import { recordFilterSql } from '../sqlite/record-filter-sql.ts';
import { recordWhere, type RecordFilter } from './record-filter.ts';

let temp: TempDatabase;
before(async () => {
  temp = tempSqliteDatabase('record-filter');
  await deployMigrations(temp.url);
  const db = new Database(sqliteFilePath(temp.url));
  const sourceId = (db.prepare(`INSERT INTO "Source" ("key", "kind", "namespace", "pod", "format", "createdAt", "updatedAt") VALUES ('k', 'pod', 'shop', 'web-1', 'f', 0, 0) RETURNING "id"`).get() as { id: number }).id;
  const insert = db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "status", "path", "upstreamPod", "upstreamIp", "upstreamCluster") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const rows: [number, number | null, string, string | null, string][] = [
    [1000, 200, '/api/orders', 'orders-1', '10.0.0.1'],
    [2000, 503, '/api/orders/9', 'orders-2', '10.0.0.2'],
    [3000, 0, '/api%', null, '10.0.0.3'],
    [4000, null, '/API/orders', null, '10.0.0.4'],
    [5000, 404, '/apix', 'orders-1', '10.0.0.1'],
  ];
  rows.forEach(([t, status, path, pod, ip], i) => insert.run(sourceId, i + 1, t, status, path, pod, ip, 'orders'));
  db.close();
});
after(async () => {
  await disconnectAll();
  temp.remove();
});

async function both(filter: RecordFilter): Promise<number[]> {
  const viaPrisma = (await (await prismaClientFor(temp.url)).accessRecord.findMany({ where: recordWhere(filter), orderBy: { id: 'asc' } })).map((r) => r.seq);
  const { sql, params } = recordFilterSql(filter);
  const db = new Database(sqliteFilePath(temp.url), { readonly: true });
  const viaSql = (db.prepare(`SELECT r."seq" FROM "AccessRecord" r JOIN "Source" s ON s."id" = r."sourceId" WHERE ${sql} ORDER BY r."id"`).all(params) as { seq: number }[]).map((r) => r.seq);
  db.close();
  assert.deepEqual(viaPrisma, viaSql, JSON.stringify(filter));
  return viaSql;
}

test('status classes: no response is status 0 or none logged', async () => {
  assert.deepEqual(await both({ statusClass: 0 }), [3, 4]);
  assert.deepEqual(await both({ statusClass: 5 }), [2]);
  assert.deepEqual(await both({ statusClass: 4 }), [5]);
});

test('path prefixes are exact (no wildcards, case kept); upstream by pod or IP; time and source', async () => {
  assert.deepEqual(await both({ pathPrefix: '/api/' }), [1, 2]);
  assert.deepEqual(await both({ pathPrefix: '/api%' }), [3]);
  assert.deepEqual(await both({ pathPrefix: '/api' }), [1, 2, 3, 5]);
  assert.deepEqual(await both({ upstream: 'orders-1' }), [1, 5]);
  assert.deepEqual(await both({ upstream: '10.0.0.3' }), [3]);
  assert.deepEqual(await both({ since: 2000, until: 4000, namespace: 'shop', sourcePod: 'web-1', cluster: 'orders' }), [2, 3]);
  assert.deepEqual(await both({ namespace: 'other' }), []);
});
