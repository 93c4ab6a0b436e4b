// Retention on a real, migrated PostgreSQL database: exactly the rows dated before each cutoff go (the same seed and
// answers as the SQLite store's test), rollups by whole periods, bounded batches.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { tempPostgresDatabase, type ScratchDatabase } from '../../testing/test-postgres.ts';
import { openRetentionStore, prune, type RetentionPolicy } from '../retention-store.ts';
import { rollupTable } from '../rollup/rollup-plan.ts';
import { pgConfigFrom } from './pg-config.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const POLICY: RetentionPolicy = { records: 7 * DAY, minuteRollups: 30 * DAY, hourRollups: 400 * DAY };
const CUT = NOW - POLICY.records!;
const ts = (n: number) => `(TIMESTAMP '1970-01-01' + ($${n})::int8 * INTERVAL '1 millisecond')`;

describe('retention on PostgreSQL', () => {
  let db: ScratchDatabase;
  let client: pg.Client;
  before(async () => {
    db = await tempPostgresDatabase();
    client = new pg.Client(pgConfigFrom(db.url));
    await client.connect();
  });
  after(async () => {
    await client.end();
    await db.drop();
  });

  const ids = async (table: string) => (await client.query<{ id: number }>(`SELECT "id" FROM "${table}" ORDER BY "id"`)).rows.map((r) => r.id);

  test('deletes exactly the rows dated before each cutoff, rollups by whole periods, in bounded batches', async () => {
    await client.query(`INSERT INTO "Source" ("id", "key", "kind", "format", "createdAt", "updatedAt") VALUES (1, 'pod:u/envoy/c', 'pod', 'f', now(), now())`);
    await client.query(`INSERT INTO "IngestCheckpoint" ("sourceId", "linesRead", "updatedAt") VALUES (1, 100, now())`);
    const records: [number, number | null, number | null][] = [
      [1, CUT - 1, CUT - 1], [2, CUT, CUT], [3, CUT + 1, CUT + 1], [4, null, CUT - 1], [5, null, CUT], [6, null, null],
      [7, CUT + 1, CUT - 5000], [8, CUT - 1, CUT + 5000], [9, CUT - 30 * DAY, CUT - 30 * DAY],
    ];
    for (const [id, start, log] of records) {
      await client.query(`INSERT INTO "AccessRecord" ("id", "sourceId", "seq", "startTime", "logTime") VALUES ($1, 1, $1, ${ts(2)}, ${ts(3)})`, [id, start, log]);
    }
    for (const [id, at] of [[1, CUT - 1], [2, CUT]]) {
      await client.query(`INSERT INTO "RejectedLine" ("id", "sourceId", "seq", "reason", "raw", "rawLength", "createdAt") VALUES ($1, 1, $1, 'r', 'x', 1, ${ts(2)})`, [id, at]);
      await client.query(`INSERT INTO "IngestGap" ("id", "sourceId", "namespace", "pod", "container", "reason", "detail", "createdAt") VALUES ($1, 1, 'ns', 'p', 'envoy', 'rotated', 'd', ${ts(2)})`, [id, at]);
    }
    for (const [id, to] of [[1, CUT - 1], [2, CUT], [3, null]] as const) {
      await client.query(`INSERT INTO "PodIp" ("id", "ip", "namespace", "pod", "podUid", "fromTime", "toTime") VALUES ($1, '10.0.0.1', 'ns', 'p', 'u' || ($1::int)::text, ${ts(2)}, ${ts(3)})`, [id, CUT - 100 * DAY, to]);
      await client.query(`INSERT INTO "ServiceIp" ("id", "ip", "namespace", "service", "serviceUid", "fromTime", "toTime") VALUES ($1, '10.96.0.1', 'ns', 's', 's' || ($1::int)::text, ${ts(2)}, ${ts(3)})`, [id, CUT - 100 * DAY, to]);
      await client.query(`INSERT INTO "EndpointMember" ("id", "namespace", "service", "ip", "fromTime", "toTime") VALUES ($1, 'ns', 's', '10.0.0.1', ${ts(2)}, ${ts(3)})`, [id, CUT - 100 * DAY, to]);
      await client.query(`INSERT INTO "KubeObject" ("id", "kind", "namespace", "name", "uid", "json", "firstSeen", "lastSeen", "deletedAt") VALUES ($1, 'Pod', 'ns', 'n' || ($1::int)::text, 'u' || ($1::int)::text, '{}', ${ts(2)}, ${ts(2)}, ${ts(3)})`, [id, CUT - 100 * DAY, to]);
    }
    // Rollups: minute rows end at the cutoff's minute, hour rows an hour earlier; 30 and 400 days back.
    const minuteCut = Math.floor((NOW - POLICY.minuteRollups!) / MINUTE);
    const hourCut = Math.floor((NOW - POLICY.hourRollups!) / MINUTE);
    const rollups: [number, number, number][] = [
      [1, 1, minuteCut - 1], [2, 1, minuteCut], [3, 60, hourCut - 60], [4, 60, hourCut - 59], [5, 60, minuteCut - 120],
    ];
    for (const [id, minutes, start] of rollups) {
      await client.query(`INSERT INTO ${rollupTable(minutes)} ("id", "periodMinutes", "periodStart", "sourceId") VALUES ($1, $2, $3, 1)`, [id, minutes, start]);
    }
    for (let i = 0; i < 2500; i++) {
      await client.query(`INSERT INTO "AccessRecord" ("id", "sourceId", "seq", "startTime") VALUES ($1, 1, $1, ${ts(2)})`, [1000 + i, CUT - 2 * DAY - i]);
    }

    const store = await openRetentionStore(db.url);
    try {
      const dry = await prune(store, POLICY, { now: NOW, dryRun: true });
      const batches: number[] = [];
      const done = await prune(store, POLICY, { now: NOW, maxBatch: 1000, pauseMs: 0, onBatch: (b) => batches.push(b.rows) });
      const rows = (r: typeof done) => Object.fromEntries(r.steps.map((s) => [s.step, s.skipped ?? s.rows]));
      assert.deepEqual(rows(done), {
        records: 2503, recordsWithoutStart: 1, rejected: 1, gaps: 1, podIps: 1, serviceIps: 1, endpoints: 1, kubeObjects: 1,
        minuteRollups: 1, hourRollups: 1,
      });
      assert.deepEqual(rows(dry), rows(done), 'the dry run counted what the run deleted');
      assert.ok(batches.every((n) => n <= 1000), `batches: ${batches.join(', ')}`);
      assert.deepEqual(await ids('AccessRecord'), [2, 3, 5, 6, 7]);
      assert.deepEqual(await ids('RejectedLine'), [2]);
      assert.deepEqual(await ids('IngestGap'), [2]);
      for (const t of ['PodIp', 'ServiceIp', 'EndpointMember', 'KubeObject']) assert.deepEqual(await ids(t), [2, 3], t);
      assert.deepEqual(await ids('RecordRollup'), [2]);
      assert.deepEqual(await ids('RecordRollupHour'), [4, 5]);
      assert.deepEqual(await ids('Source'), [1]);
      const again = await prune(store, POLICY, { now: NOW });
      assert.equal(again.steps.reduce((n, s) => n + s.rows, 0), 0, 'a second run finds nothing');
    } finally {
      await store.close();
    }
  });
});
