// The analysis queries on a real SQLite database: records counted per source, cluster, upstream and second; Envoy's
// own 503s per flag; findings replaced as a whole.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { tempSqliteDatabase, type TempDatabase } from '../../testing/temp-database.ts';
import { deployMigrations } from '../migrate.ts';
import { sqliteFilePath } from '../database-url.ts';
import type { FindingRow } from '../analysis-store.ts';
import { SqliteAnalysisStore } from './sqlite-analysis-store.ts';
import { SqliteIngestStore } from './sqlite-ingest-store.ts';
import { HOUR, ingestRandom, randomRecords } from '../rollup/random-records.ts';

describe('SqliteAnalysisStore', () => {
  let temp: TempDatabase;
  let store: SqliteAnalysisStore;

  before(async () => {
    temp = tempSqliteDatabase('analysis-store');
    await deployMigrations(temp.url);
    const db = new Database(sqliteFilePath(temp.url));
    const source = db.prepare(`INSERT INTO "Source" ("key", "kind", "namespace", "pod", "container", "format", "createdAt", "updatedAt") VALUES (?, 'pod', 'default', ?, 'envoy', 'f', 0, 0) RETURNING "id"`);
    const a = (source.get('pod:a', 'nginx-a') as { id: number }).id;
    const b = (source.get('pod:b', 'nginx-b') as { id: number }).id;
    const rec = db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "status", "responseFlags", "upstreamCluster", "upstreamIp", "upstreamKind", "upstreamPod", "upstreamService", "upstreamAmbiguous") VALUES (?, ?, ?, ?, ?, 'backend', ?, ?, ?, ?, ?)`);
    let seq = 0;
    // Second 1000: three records from a to backend-1 (one ambiguous), one to the ClusterIP; second 1001: one from b.
    rec.run(a, ++seq, 1_000_000, 200, null, '10.244.0.81', 'pod', 'backend-1', null, 0);
    rec.run(a, ++seq, 1_000_500, 200, null, '10.244.0.81', 'pod', 'backend-1', null, 1);
    rec.run(a, ++seq, 1_000_999, 200, null, '10.244.0.81', 'pod', 'backend-1', null, 0);
    rec.run(a, ++seq, 1_000_100, 200, null, '10.105.148.194', 'service', null, 'backend-service', 0);
    rec.run(b, ++seq, 1_001_000, 200, null, '10.244.0.82', 'pod', 'backend-2', null, 0);
    // Envoy's own 503s: UH twice, UF,URX once (UF), NR once, and a 503 the upstream returned (no flag), a 502 with UF.
    rec.run(a, ++seq, 1_002_000, 503, 'UH', null, null, null, null, 0);
    rec.run(a, ++seq, 1_002_400, 503, 'UH', null, null, null, null, 0);
    rec.run(a, ++seq, 1_002_500, 503, 'URX,UF', '10.244.0.81', 'pod', 'backend-1', null, 0);
    rec.run(a, ++seq, 1_002_600, 503, 'NR', null, null, null, null, 0);
    rec.run(a, ++seq, 1_002_700, 503, null, '10.244.0.81', 'pod', 'backend-1', null, 0);
    rec.run(a, ++seq, 1_002_800, 502, 'UF', '10.244.0.81', 'pod', 'backend-1', null, 0);
    // Outside the window queried below.
    rec.run(b, ++seq, 5_000_000, 200, null, '10.244.0.82', 'pod', 'backend-2', null, 0);
    db.close();
    store = new SqliteAnalysisStore(temp.url);
  });
  after(() => {
    store?.close();
    temp?.remove();
  });

  test('traffic cells: one per source, cluster, upstream and second, with counts and ambiguous counts', async () => {
    const cells = (await store.trafficCells(1_000_000, 1_002_000)).map((c) => [c.sourcePod, c.upstreamIp, c.upstreamKind, c.upstreamPod ?? c.upstreamService, c.second, c.count, c.ambiguous]);
    assert.deepEqual(cells.sort(), [
      ['nginx-a', '10.105.148.194', 'service', 'backend-service', 1000, 1, 0],
      ['nginx-a', '10.244.0.81', 'pod', 'backend-1', 1000, 3, 1],
      ['nginx-b', '10.244.0.82', 'pod', 'backend-2', 1001, 1, 0],
    ]);
    assert.deepEqual(await store.recordTimeRange(), { fromMs: 1_000_000, toMs: 5_000_001 });
    // Slots two seconds wide: the cell of second 1001 joins the slot starting at 1000.
    const slots = (await store.trafficCells(1_000_000, 1_002_000, 2)).map((c) => [c.sourcePod, c.upstreamPod ?? c.upstreamService, c.second, c.count]);
    assert.deepEqual(slots.sort(), [['nginx-a', 'backend-1', 1000, 3], ['nginx-a', 'backend-service', 1000, 1], ['nginx-b', 'backend-2', 1000, 1]]);
  });

  test("failure cells: Envoy's own 503s by flag; upstream 503s and other statuses are left out", async () => {
    const cells = (await store.failureCells(0, 2_000_000)).map((c) => [c.flag, c.second, c.count]);
    assert.deepEqual(cells.sort(), [['NR', 1002, 1], ['UF', 1002, 1], ['UH', 1002, 2]]);
  });

  test('samples filtered by source and upstream; findings replaced as a whole', async () => {
    const samples = await store.sampleRecords({ fromMs: 0, toMs: 2_000_000, sourcePod: 'nginx-a', upstreamIp: '10.105.148.194' }, 5);
    assert.deepEqual(samples.map((s) => [s.sourcePod, s.upstreamCluster, s.startTimeMs]), [['nginx-a', 'backend', 1_000_100]]);
    const row = (key: string, severity: string): FindingRow => ({
      key, code: 'EL0001', severity, resourceKind: 'Service', resourceNamespace: 'default', resourceName: 'x', location: null, title: 't',
      message: 'm', fixJson: null, evidenceJson: '{}', firstSeenMs: 1, lastSeenMs: 2, suppressedBy: null, analyzedAtMs: 3,
    });
    await store.replaceFindings([row('a', 'warning'), row('b', 'error')]);
    await store.replaceFindings([row('c', 'warning'), row('d', 'error')]);
    assert.deepEqual((await store.findings()).map((f) => [f.key, f.firstSeenMs, f.analyzedAtMs]), [['d', 1, 3], ['c', 1, 3]]);
  });
});

// Over rollups: lib/store/analysis-store.test.ts runs the same comparison on SQLite and PostgreSQL.
