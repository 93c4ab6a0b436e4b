// Retention on a real, migrated SQLite file: exactly which rows go and stay around each cutoff, bounded batches, and a
// writer in another process (the real SqliteIngestStore) that keeps committing while 200,000 old records are pruned.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { tempSqliteDatabase, type TempDatabase } from '../../testing/temp-database.ts';
import { sqliteFilePath } from '../database-url.ts';
import { deployMigrations } from '../migrate.ts';
import { openRetentionStore, prune, type PruneStep, type RetentionPolicy, type RetentionStore } from '../retention-store.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const POLICY: RetentionPolicy = { records: 7 * DAY, minuteRollups: 30 * DAY, hourRollups: 400 * DAY };
const CUT = NOW - POLICY.records!;

let template: TempDatabase;
const made: TempDatabase[] = [];

before(async () => {
  template = tempSqliteDatabase('retention-template');
  await deployMigrations(template.url);
});
after(() => {
  template?.remove();
  for (const d of made) d.remove();
});

/** A fresh copy of the migrated template. */
function freshDb(): { url: string; db: Database.Database } {
  const d = tempSqliteDatabase('retention');
  made.push(d);
  const src = new Database(sqliteFilePath(template.url), { readonly: true });
  src.exec(`VACUUM INTO '${sqliteFilePath(d.url).replaceAll("'", "''")}'`);
  src.close();
  const db = new Database(sqliteFilePath(d.url));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return { url: d.url, db };
}

const hasRollups = (db: Database.Database) =>
  (db.prepare(`SELECT "name" FROM pragma_table_info('RecordRollup')`).all() as { name: string }[]).some((c) => c.name === 'periodMinutes');

/** Rows of every kind on both sides of the cutoff; the `keep…` ids are the ones that must stay. */
function seed(db: Database.Database) {
  db.prepare(`INSERT INTO "Source" ("id", "key", "kind", "format", "createdAt", "updatedAt") VALUES (1, 'pod:u/envoy/c', 'pod', 'f', 0, 0)`).run();
  db.prepare(`INSERT INTO "IngestCheckpoint" ("sourceId", "linesRead", "updatedAt") VALUES (1, 100, 0)`).run();
  const rec = db.prepare(`INSERT INTO "AccessRecord" ("id", "sourceId", "seq", "startTime", "logTime") VALUES (?, 1, ?, ?, ?)`);
  const records: [number, number | null, number | null, boolean][] = [
    // id, startTime, logTime, kept
    [1, CUT - 1, CUT - 1, false],
    [2, CUT, CUT, true],
    [3, CUT + 1, CUT + 1, true],
    [4, null, CUT - 1, false], // no START_TIME: aged by the kubelet's time
    [5, null, CUT, true],
    [6, null, null, true], // nothing dates it
    [7, CUT + 1, CUT - 5000, true], // the start time decides
    [8, CUT - 1, CUT + 5000, false],
    [9, CUT - 30 * DAY, CUT - 30 * DAY, false],
  ];
  for (const [id, start, log] of records) rec.run(id, id, start, log);
  const rej = db.prepare(`INSERT INTO "RejectedLine" ("id", "sourceId", "seq", "reason", "raw", "rawLength", "createdAt") VALUES (?, 1, ?, 'r', 'x', 1, ?)`);
  rej.run(1, 1, CUT - 1);
  rej.run(2, 2, CUT);
  const gap = db.prepare(`INSERT INTO "IngestGap" ("id", "sourceId", "namespace", "pod", "container", "reason", "detail", "createdAt") VALUES (?, 1, 'ns', 'p', 'envoy', 'rotated', 'd', ?)`);
  gap.run(1, CUT - 1);
  gap.run(2, CUT);
  const podIp = db.prepare(`INSERT INTO "PodIp" ("id", "ip", "namespace", "pod", "podUid", "fromTime", "toTime") VALUES (?, '10.0.0.1', 'ns', 'p', ?, ?, ?)`);
  podIp.run(1, 'u1', CUT - 10 * DAY, CUT - 1);
  podIp.run(2, 'u2', CUT - 10 * DAY, CUT);
  podIp.run(3, 'u3', CUT - 100 * DAY, null); // still held
  const svcIp = db.prepare(`INSERT INTO "ServiceIp" ("id", "ip", "namespace", "service", "serviceUid", "fromTime", "toTime") VALUES (?, '10.96.0.1', 'ns', 's', ?, ?, ?)`);
  svcIp.run(1, 's1', CUT - 10 * DAY, CUT - 1);
  svcIp.run(2, 's2', CUT - 10 * DAY, CUT + 1);
  svcIp.run(3, 's3', CUT - 100 * DAY, null);
  const ep = db.prepare(`INSERT INTO "EndpointMember" ("id", "namespace", "service", "ip", "fromTime", "toTime") VALUES (?, 'ns', 's', '10.0.0.1', ?, ?)`);
  ep.run(1, CUT - 10 * DAY, CUT - 1);
  ep.run(2, CUT - 10 * DAY, CUT);
  ep.run(3, CUT - 100 * DAY, null);
  const obj = db.prepare(`INSERT INTO "KubeObject" ("id", "kind", "namespace", "name", "uid", "json", "firstSeen", "lastSeen", "deletedAt") VALUES (?, 'Pod', 'ns', ?, ?, '{}', ?, ?, ?)`);
  obj.run(1, 'a', 'ua', CUT - 10 * DAY, CUT - 2, CUT - 1);
  obj.run(2, 'b', 'ub', CUT - 10 * DAY, CUT, CUT);
  obj.run(3, 'c', 'uc', CUT - 100 * DAY, CUT - 100 * DAY, null); // long-lived, still there
  db.prepare(`INSERT INTO "Finding" ("key", "code", "severity", "resourceKind", "resourceName", "title", "message", "evidenceJson", "firstSeen", "lastSeen", "analyzedAt")
    VALUES ('k', 'EL0001', 'error', 'Service', 's', 't', 'm', '{}', 0, 0, 0)`).run();
  db.prepare(`INSERT INTO "CollectorStatus" ("id", "json", "updatedAt") VALUES ('c', '{}', 0)`).run();
  return { keptRecords: records.filter((r) => r[3]).map((r) => r[0]) };
}

const ids = (db: Database.Database, table: string) => (db.prepare(`SELECT "id" FROM "${table}" ORDER BY "id"`).all() as { id: number }[]).map((r) => r.id);
const count = (db: Database.Database, table: string) => (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;

describe('retention on SQLite', () => {
  test('deletes exactly the rows dated before each cutoff, and nothing a collector or the analysis still needs', async () => {
    const { url, db } = freshDb();
    const { keptRecords } = seed(db);
    const store = await openRetentionStore(url);
    try {
      const dry = await prune(store, POLICY, { now: NOW, dryRun: true });
      assert.equal(count(db, 'AccessRecord'), 9, 'a dry run deletes nothing');
      const done = await prune(store, POLICY, { now: NOW });
      const rows = (r: typeof done) => Object.fromEntries(r.steps.map((s) => [s.step, s.skipped ?? s.rows]));
      const expected: Record<string, number | string> = {
        records: 3, recordsWithoutStart: 1, rejected: 1, gaps: 1, podIps: 1, serviceIps: 1, endpoints: 1, kubeObjects: 1,
      };
      for (const [step, n] of Object.entries(expected)) assert.equal(rows(done)[step], n, step);
      assert.deepEqual(rows(dry), rows(done), 'the dry run counted what the run deleted');
      assert.deepEqual(ids(db, 'AccessRecord'), keptRecords);
      assert.deepEqual(ids(db, 'RejectedLine'), [2]);
      assert.deepEqual(ids(db, 'IngestGap'), [2]);
      assert.deepEqual(ids(db, 'PodIp'), [2, 3]);
      assert.deepEqual(ids(db, 'ServiceIp'), [2, 3]);
      assert.deepEqual(ids(db, 'EndpointMember'), [2, 3]);
      assert.deepEqual(ids(db, 'KubeObject'), [2, 3]);
      for (const t of ['Source', 'IngestCheckpoint', 'Finding', 'CollectorStatus']) assert.equal(count(db, t), 1, `${t} is kept`);
      // A second run finds nothing more.
      const again = await prune(store, POLICY, { now: NOW });
      assert.equal(again.steps.reduce((n, s) => n + s.rows, 0), 0);
    } finally {
      await store.close();
      db.close();
    }
  });

  test('0 / off keeps everything; each policy value applies on its own', async () => {
    const { url, db } = freshDb();
    seed(db);
    const store = await openRetentionStore(url);
    try {
      const off = await prune(store, { records: null, minuteRollups: null, hourRollups: null }, { now: NOW });
      assert.ok(off.steps.every((s) => s.skipped === 'kept forever' && s.rows === 0));
      assert.equal(count(db, 'AccessRecord'), 9);
      assert.equal(count(db, 'PodIp'), 3);
      // Records kept for ever, rollups not: only the rollups are looked at.
      const rollupsOnly = await prune(store, { records: null, minuteRollups: DAY, hourRollups: DAY }, { now: NOW });
      assert.ok(rollupsOnly.steps.filter((s) => !s.step.endsWith('Rollups')).every((s) => s.skipped === 'kept forever'));
      assert.equal(count(db, 'AccessRecord'), 9);
    } finally {
      await store.close();
      db.close();
    }
  });

  test('rollups: minute and hour rows each by their own retention, whole periods only; a missing table is skipped', async () => {
    const { url, db } = freshDb();
    seed(db);
    const store = await openRetentionStore(url);
    try {
      if (!hasRollups(db)) {
        // This database predates the rollup tables: the steps say so and the rest still runs.
        const r = await prune(store, POLICY, { now: NOW });
        assert.deepEqual(r.steps.filter((s) => s.skipped === 'no such table').map((s) => s.step), ['minuteRollups', 'hourRollups']);
        assert.equal(r.steps.find((s) => s.step === 'records')!.rows, 3);
        // The same schema with the tables added: scratch ones with the columns retention reads.
        for (const table of ['RecordRollup', 'RecordRollupHour']) {
          db.exec(`CREATE TABLE "${table}" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "periodStart" INTEGER NOT NULL, "periodMinutes" INTEGER NOT NULL)`);
          db.exec(`CREATE INDEX "${table}_periodMinutes_periodStart_idx" ON "${table}" ("periodMinutes", "periodStart")`);
        }
      }
      const minuteCut = (NOW - POLICY.minuteRollups!) / MINUTE;
      const hourCut = (NOW - POLICY.hourRollups!) / MINUTE;
      assert.ok(Number.isInteger(minuteCut) && Number.isInteger(hourCut) && hourCut % 60 === 0);
      const rollups: [number, number, boolean][] = [
        // periodStart (epoch minutes), periodMinutes, kept
        [minuteCut - 2, 1, false],
        [minuteCut - 1, 1, false], // ends exactly at the cutoff
        [minuteCut, 1, true],
        [hourCut - 61, 1, false], // an old minute row goes by the minute retention
        [hourCut - 120, 60, false],
        [hourCut - 60, 60, false], // ends exactly at the cutoff
        [hourCut - 59, 60, true], // straddles it: kept
        [hourCut, 60, true],
        [minuteCut - 60, 60, true], // older than the minute retention, well within the hour one
      ];
      const insert = rollupInserter(db);
      const idsOf = rollups.map(([start, minutes]) => insert(start, minutes));
      const r = await prune(store, POLICY, { now: NOW });
      assert.equal(r.steps.find((s) => s.step === 'minuteRollups')!.rows, 3);
      assert.equal(r.steps.find((s) => s.step === 'hourRollups')!.rows, 2);
      const kept = (minutes: number) => idsOf.filter((_, i) => rollups[i]![1] === minutes && rollups[i]![2]);
      assert.deepEqual(ids(db, 'RecordRollup'), kept(1));
      assert.deepEqual(ids(db, 'RecordRollupHour'), kept(60));
    } finally {
      await store.close();
      db.close();
    }
  });

  test('batches are bounded: no transaction deletes more than the batch limit (5,000 by default)', async () => {
    const { url, db } = freshDb();
    seed(db);
    insertOldRecords(db, 12_345, 1000);
    const real = await openRetentionStore(url);
    const limits: { step: PruneStep; limit: number; rows: number }[] = [];
    const counting: RetentionStore = {
      hasTable: (s) => real.hasTable(s),
      countOlder: (s, c) => real.countOlder(s, c),
      deleteOlder: async (s, c, limit) => {
        const rows = await real.deleteOlder(s, c, limit);
        limits.push({ step: s, limit, rows });
        return rows;
      },
      close: () => real.close(),
    };
    try {
      const r = await prune(counting, POLICY, { now: NOW, pauseMs: 0 });
      const records = limits.filter((l) => l.step === 'records');
      assert.equal(records.reduce((n, l) => n + l.rows, 0), 12_345 + 3);
      assert.ok(records.length >= 3, `${records.length} transactions`);
      assert.ok(limits.every((l) => l.limit <= 5000 && l.rows <= l.limit), JSON.stringify(limits));
      assert.equal(r.steps.find((s) => s.step === 'records')!.batches, records.length);
      // A smaller limit: more, smaller transactions.
      insertOldRecords(db, 1_050, 100_000);
      limits.length = 0;
      await prune(counting, POLICY, { now: NOW, pauseMs: 0, maxBatch: 100 });
      const small = limits.filter((l) => l.step === 'records');
      assert.equal(small.reduce((n, l) => n + l.rows, 0), 1_050);
      assert.ok(small.length >= 11 && small.every((l) => l.rows <= 100), JSON.stringify(small));
    } finally {
      await counting.close();
      db.close();
    }
  });

  test('a writer in another process keeps committing while 200,000 old records are pruned', { timeout: 180_000 }, async () => {
    const { url, db } = freshDb();
    seed(db);
    const t0 = performance.now();
    insertOldRecords(db, 200_000, 1000);
    const seedMs = performance.now() - t0;
    db.close();
    const writer = startWriter(url);
    await writer.ready;
    const store = await openRetentionStore(url);
    let pruneStart = 0, pruneEnd = 0;
    const batches: number[] = [];
    try {
      await new Promise((r) => setTimeout(r, 300)); // the writer's pace before the prune
      pruneStart = Date.now();
      const r = await prune(store, POLICY, { now: NOW, onBatch: (b) => batches.push(b.ms) });
      pruneEnd = Date.now();
      assert.equal(r.steps.find((s) => s.step === 'records')!.rows, 200_003);
    } finally {
      await store.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    const all = await writer.stop();
    const failed = all.filter((c) => c.error);
    const commits = all.filter((c) => !c.error);
    const during = commits.filter((c) => c.at > pruneStart && c.at < pruneEnd);
    const maxDuring = Math.max(...during.map((c) => c.ms));
    const longestBatch = Math.max(...batches);
    console.log(`# seeded 200k in ${Math.round(seedMs)} ms; prune ${pruneEnd - pruneStart} ms in ${batches.length} transactions (longest ${longestBatch.toFixed(1)} ms); ` +
      `writer: ${commits.length} commits (${failed.length} failed: ${[...new Set(failed.map((f) => f.error))].join('; ')}), ${during.length} during the prune, longest during it ${maxDuring.toFixed(1)} ms, longest overall ${Math.max(...commits.map((c) => c.ms)).toFixed(1)} ms`);
    // A deferred transaction that reads before it writes (the ingest store reads the rollup watermark first) would be
    // refused at once with SQLITE_BUSY while the prune holds the lock: the ingest store begins IMMEDIATE, so it waits.
    assert.equal(failed.length, 0, `${failed.length} commits failed: ${failed[0]?.error}`);
    // Commits went on through the prune at close to their own pace (one every ~20 ms plus the commit), not after it.
    const expectedCommits = (pruneEnd - pruneStart) / 60;
    assert.ok(during.length >= Math.max(5, expectedCommits), `${during.length} commits during a ${pruneEnd - pruneStart} ms prune`);
    // No commit waited for more than about a batch (busy_timeout would allow 5 s).
    assert.ok(maxDuring < Math.max(500, 3 * longestBatch + 200), `a commit took ${maxDuring} ms during the prune`);
    const check = new Database(sqliteFilePath(url), { readonly: true });
    try {
      const writerSource = check.prepare(`SELECT "id" FROM "Source" WHERE "key" = 'file:/retention-writer'`).get() as { id: number };
      const stored = count(check, 'AccessRecord');
      const writerRows = (check.prepare(`SELECT count(*) AS n FROM "AccessRecord" WHERE "sourceId" = ?`).get(writerSource.id) as { n: number }).n;
      assert.equal(writerRows, (commits.length + 1) * 50, 'every writer row is there, the first commit too (they are dated now, so kept)');
      assert.equal(stored, writerRows + 5, 'plus the five seeded records within retention');
    } finally {
      check.close();
    }
  });
});

/** Inserts `n` records that started 30 days before the cutoff, with seqs from `firstSeq` (source 1). */
function insertOldRecords(db: Database.Database, n: number, firstSeq: number): void {
  const insert = db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "logTime", "requestId", "upstreamHost", "durationMs", "upstreamService")
    VALUES (1, ?, ?, ?, ?, '10.0.0.1:80', 3, 'svc')`);
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const t = CUT - 30 * DAY + i * 10;
      insert.run(firstSeq + i, t, t, `req-${firstSeq + i}`);
    }
  })();
}

/**
 * An insert into RecordRollup (minute rows) or RecordRollupHour (hour rows) filling whatever other NOT NULL columns its
 * schema has with zeros or empty text.
 */
function rollupInserter(db: Database.Database): (periodStart: number, periodMinutes: number) => number {
  let n = 0;
  return (periodStart, periodMinutes) => {
    n++;
    const table = periodMinutes === 60 ? 'RecordRollupHour' : 'RecordRollup';
    const columns = db.prepare(`SELECT "name", "type", "notnull", "dflt_value", "pk" FROM pragma_table_info('${table}')`).all() as { name: string; type: string; notnull: number; dflt_value: unknown; pk: number }[];
    const others = columns.filter((c) => c.notnull && c.dflt_value === null && !c.pk && c.name !== 'periodStart' && c.name !== 'periodMinutes');
    // Distinct text in each row keeps the rows apart under any unique key over the dimensions.
    const values = others.map((c) => (c.name === 'sourceId' ? 1 : /INT|REAL|NUM|DATE|BOOL/i.test(c.type) ? 0 : `v${n}`));
    const sql = `INSERT INTO "${table}" ("periodStart", "periodMinutes"${others.map((c) => `, "${c.name}"`).join('')}) VALUES (?, ?${others.map(() => ', ?').join('')}) RETURNING "id"`;
    return (db.prepare(sql).get(periodStart, periodMinutes, ...values) as { id: number }).id;
  };
}

interface Commit {
  at: number;
  ms: number;
  /** A commit that failed (the batch is tried again). */
  error?: string;
}

/**
 * Another process committing 50 records every 20 ms through the real SqliteIngestStore, timing each commit (a failed
 * one is kept with its error, and tried again). It says "ready" after its first commit (which may count the seeded
 * records into the rollups), and on "stop" (stdin) prints the later commits as JSON.
 */
function startWriter(url: string): { ready: Promise<void>; stop(): Promise<Commit[]> } {
  const store = path.join(import.meta.dirname, 'sqlite-ingest-store.ts');
  const code = `
    const { SqliteIngestStore } = await import(${JSON.stringify(store)});
    const store = new SqliteIngestStore(${JSON.stringify(url)});
    const { sourceId } = await store.openSource({ key: 'file:/retention-writer', kind: 'file', format: 'f' });
    const blank = { startTimeNanos: null, method: 'GET', path: '/', protocol: 'HTTP/1.1', status: 200, bytesReceived: 0, bytesSent: 10,
      durationMs: 2, upstreamServiceTimeMs: null, requestId: null, userAgent: 'w', forwardedFor: null, authority: null,
      upstreamHost: '10.0.0.2:80', upstreamIp: '10.0.0.2', upstreamPort: 80, upstreamCluster: 'c', responseFlags: null,
      downstreamRemoteIp: null, ambiguousFields: null, extra: null };
    const commits = [];
    let seq = 0, stopping = false;
    process.stdin.on('data', () => { stopping = true; });
    for (let round = 0; !stopping; round++) {
      if (round === 1) process.stdout.write('ready\\n');
      const records = [];
      for (let i = 0; i < 50; i++) { seq++; records.push({ seq, record: { ...blank, startTime: Date.now(), requestId: 'w-' + seq }, logTime: Date.now() }); }
      const t = performance.now();
      try {
        await store.writeBatch(sourceId, { records, rejects: [], checkpoint: { linesRead: seq, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 } });
        commits.push({ at: Date.now(), ms: performance.now() - t });
      } catch (err) {
        commits.push({ at: Date.now(), ms: performance.now() - t, error: err.code + ' ' + err.message });
        seq -= 50;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await store.close();
    process.stdout.write(JSON.stringify(commits.slice(1)) + '\\n', () => process.exit(0));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return {
    ready,
    async stop() {
      child.stdin!.write('stop\n');
      const code = await exited;
      assert.equal(code, 0, 'the writer exited cleanly (no SQLITE_BUSY)');
      return JSON.parse(out.slice('ready\n'.length).trim()) as Commit[];
    },
  };
}
