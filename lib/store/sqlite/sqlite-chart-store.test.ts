// The chart queries on a real SQLite database: records counted per bucket and status, per bucket and duration, per
// upstream, under the dashboard's filters.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { tempSqliteDatabase, type TempDatabase } from '../../testing/temp-database.ts';
import { sqliteFilePath } from '../database-url.ts';
import { deployMigrations } from '../migrate.ts';
import { openSqliteChartStore, type SqliteChartStore } from './sqlite-chart-store.ts';

describe('SqliteChartStore', () => {
  let temp: TempDatabase;
  let store: SqliteChartStore;
  const grid = { originMs: 1_000_000, bucketMs: 10_000 };
  const window = { since: 1_000_000, until: 1_020_000 };

  before(async () => {
    temp = tempSqliteDatabase('chart-store');
    await deployMigrations(temp.url);
    const db = new Database(sqliteFilePath(temp.url));
    const source = db.prepare(`INSERT INTO "Source" ("key", "kind", "namespace", "pod", "container", "format", "createdAt", "updatedAt") VALUES (?, 'pod', ?, ?, 'envoy', 'f', 0, 0) RETURNING "id"`);
    const a = (source.get('pod:a', 'default', 'nginx-a') as { id: number }).id;
    const b = (source.get('pod:b', 'other', 'nginx-b') as { id: number }).id;
    const rec = db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "status", "responseFlags", "durationMs", "path", "upstreamPod", "upstreamService", "upstreamIp", "upstreamHost") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    let seq = 0;
    const pod = (name: string, ip: string) => [name, null, ip, `${ip}:80`];
    // Bucket 0 [1_000_000, 1_010_000): from a, two 200s to backend-1 and a 503 UF,URX to backend-2.
    rec.run(a, ++seq, 1_000_000, 200, null, 10, '/api/x', ...pod('backend-1', '10.244.0.1'));
    rec.run(a, ++seq, 1_005_000, 200, null, 20, '/api/y', ...pod('backend-1', '10.244.0.1'));
    rec.run(a, ++seq, 1_009_999, 503, 'UF,URX', 30, '/api/x', ...pod('backend-2', '10.244.0.2'));
    // Bucket 1: from b a 200 to backend-1 and a reset without status, duration or upstream; from a a 404 NR and a
    // request to the Service's ClusterIP.
    rec.run(b, ++seq, 1_010_000, 200, null, 10, '/web', ...pod('backend-1', '10.244.0.1'));
    rec.run(b, ++seq, 1_015_000, null, 'DC', null, '/web', null, null, null, null);
    rec.run(a, ++seq, 1_012_000, 404, 'NR', 1, '/nope', null, null, null, null);
    rec.run(a, ++seq, 1_019_000, 200, null, 40, '/api/z', null, 'backend-svc', '10.96.0.10', '10.96.0.10:80');
    // No start time (a format without %START_TIME%), and one after the window.
    rec.run(a, ++seq, null, 200, null, 5, '/api/x', ...pod('backend-1', '10.244.0.1'));
    rec.run(b, ++seq, 2_000_000, 200, null, 5, '/web', ...pod('backend-2', '10.244.0.2'));
    db.close();
    store = openSqliteChartStore(temp.url)!;
  });
  after(() => {
    store?.close();
    temp?.remove();
  });

  test('record span: first and last start time of the records the filter selects', async () => {
    assert.deepEqual(await store.recordSpan({}), { firstMs: 1_000_000, lastMs: 2_000_000, records: 8 });
    assert.deepEqual(await store.recordSpan({ namespace: 'other' }), { firstMs: 1_010_000, lastMs: 2_000_000, records: 3 });
    assert.equal(await store.recordSpan({ since: 3_000_000 }), null);
  });

  test('status counts per bucket, status and flags', async () => {
    const rows = (await store.statusCounts(window, grid)).map((r) => [r.bucket, r.status, r.responseFlags, r.count]);
    assert.deepEqual(rows.sort(), [
      [0, 200, null, 2], [0, 503, 'UF,URX', 1],
      [1, 200, null, 2], [1, 404, 'NR', 1], [1, null, 'DC', 1],
    ].sort());
    const other = (await store.statusCounts({ ...window, namespace: 'other' }, grid)).map((r) => [r.bucket, r.status, r.count]);
    assert.deepEqual(other.sort(), [[1, 200, 1], [1, null, 1]].sort());
  });

  test('duration counts per bucket; records without a duration left out', async () => {
    const rows = (await store.durationCounts(window, grid)).map((r) => [r.bucket, r.durationMs, r.count]);
    assert.deepEqual(rows, [[0, 10, 1], [0, 20, 1], [0, 30, 1], [1, 1, 1], [1, 10, 1], [1, 40, 1]]);
    const api = (await store.durationCounts({ ...window, pathPrefix: '/api/x' }, grid)).map((r) => [r.bucket, r.durationMs, r.count]);
    assert.deepEqual(api, [[0, 10, 1], [0, 30, 1]]);
  });

  test('top upstreams: pod, else Service, else IP; busiest first, ties by name', async () => {
    assert.deepEqual(await store.topUpstreams(window, 10), [
      { upstream: 'backend-1', records: 3, timed: 3 },
      { upstream: 'backend-2', records: 1, timed: 1 },
      { upstream: 'backend-svc', records: 1, timed: 1 },
    ]);
    assert.deepEqual((await store.topUpstreams({}, 1)).map((u) => u.upstream), ['backend-1']);
    assert.deepEqual((await store.topUpstreams({ ...window, upstream: '10.96.0.10' }, 5)).map((u) => u.upstream), ['backend-svc']);
  });

  test('duration counts of chosen upstreams, per bucket or over the window', async () => {
    const perBucket = (await store.upstreamDurationCounts(window, grid, ['backend-1', 'backend-svc'])).map((r) => [r.upstream, r.bucket, r.durationMs, r.count]);
    assert.deepEqual(perBucket, [['backend-1', 0, 10, 1], ['backend-1', 0, 20, 1], ['backend-1', 1, 10, 1], ['backend-svc', 1, 40, 1]]);
    const whole = (await store.upstreamDurationCounts(window, null, ['backend-1'])).map((r) => [r.upstream, r.bucket, r.durationMs, r.count]);
    assert.deepEqual(whole, [['backend-1', 0, 10, 2], ['backend-1', 0, 20, 1]]);
    assert.deepEqual(await store.upstreamDurationCounts(window, grid, []), []);
  });

  test('a missing or unmigrated database opens as null', () => {
    assert.equal(openSqliteChartStore(`file:${path.join(temp.dir, 'missing.db')}`), null);
    const empty = path.join(temp.dir, 'empty.db');
    writeFileSync(empty, '');
    assert.equal(openSqliteChartStore(`file:${empty}`), null);
  });
});

// Over rollups: lib/store/chart-store.test.ts runs the same comparison on SQLite and PostgreSQL.
