// One benchmark measurement per process: prints {"items", "seconds"} for the timed part only.
import { createReadStream, rmSync } from 'node:fs';
import readline from 'node:readline';
import path from 'node:path';
import Database from 'better-sqlite3';
import { recordMapper, type AccessRecord } from '../../lib/envoy/access-record.ts';
import { compileFormat } from '../../lib/envoy/compile-format.ts';
import { SEED_FORMAT } from '../../lib/envoy/default-formats.ts';
import { importLines } from '../../lib/ingest/import-lines.ts';
import { readLineBatches } from '../../lib/ingest/read-lines.ts';
import { openIngestStore } from '../../lib/store/ingest-store.ts';
import { deployMigrations } from '../../lib/store/migrate.ts';
import { openRollupMaintenance } from '../../lib/store/rollup/rollup-maintenance.ts';
import { insertRecordSql, recordParams } from '../../lib/store/sqlite/sqlite-ingest-store.ts';
import { openAnalysisStore } from '../../lib/store/analysis-store.ts';
import { analyse } from '../../lib/analysis/run-analysis.ts';
import { SEED_SERVICE_IP } from '../../lib/sample/seed-log.ts';

const [name, log, dir] = process.argv.slice(2) as [string, string, string];
const format = compileFormat({ type: 'text', text: SEED_FORMAT });

async function freshDatabase(file: string): Promise<string> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  const url = `file:${file}`;
  await deployMigrations(url);
  return url;
}

const tasks: Record<string, () => Promise<{ items: number; seconds: number; note?: string }>> = {
  async readline() {
    const t = performance.now();
    let items = 0;
    for await (const line of readline.createInterface({ input: createReadStream(log), crlfDelay: Infinity })) if (line) items++;
    return { items, seconds: (performance.now() - t) / 1000 };
  },
  async parse() {
    const t = performance.now();
    let items = 0, failed = 0;
    for await (const batch of readLineBatches(createReadStream(log, { highWaterMark: 1 << 16 }))) {
      for (const line of batch.lines) {
        if (format.parse(line).ok) items++;
        else failed++;
      }
    }
    if (failed) throw new Error(`${failed} lines failed to parse`);
    return { items, seconds: (performance.now() - t) / 1000 };
  },
  async 'raw-insert'() {
    // The same rows the import stores, parsed beforehand; only the insert is timed.
    const mapper = recordMapper(format);
    const records: AccessRecord[] = [];
    for await (const batch of readLineBatches(createReadStream(log, { highWaterMark: 1 << 16 }))) {
      for (const line of batch.lines) {
        const r = format.parse(line);
        if (r.ok) records.push(mapper.toRecord(r.values));
      }
    }
    const file = path.join(dir, 'raw.db');
    await freshDatabase(file);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.prepare(`INSERT INTO "Source" ("key", "kind", "format", "createdAt", "updatedAt") VALUES ('bench', 'file', '', 0, 0)`).run();
    const insert = db.prepare(insertRecordSql);
    const t = performance.now();
    db.transaction(() => {
      for (let i = 0; i < records.length; i++) insert.run(recordParams(1, i + 1, records[i]!));
    })();
    const seconds = (performance.now() - t) / 1000;
    db.close();
    return { items: records.length, seconds };
  },
  async import() {
    const url = await freshDatabase(path.join(dir, 'import.db'));
    const store = await openIngestStore(url);
    const t = performance.now();
    const summary = await importLines(readLineBatches(createReadStream(log, { highWaterMark: 1 << 16 })), {
      store, format, source: { kind: 'file', format: SEED_FORMAT },
    });
    const seconds = (performance.now() - t) / 1000;
    await store.close();
    return { items: summary.records, seconds, note: `import stored ${summary.records} records, ${summary.rejected} rejected` };
  },
};

/**
 * The import's database as a collector would leave it: records attributed to the backend pods or the Service, with
 * the pod and Service IP history and the Service's endpoints. Done once per import database.
 */
async function attributedDatabase(): Promise<{ url: string; records: number; fromMs: number; toMs: number }> {
  const file = path.join(dir, 'import.db');
  await deployMigrations(`file:${file}`);
  const db = new Database(file);
  const t0 = 0;
  let attributed = false;
  if (!(db.prepare(`SELECT COUNT(*) AS n FROM "PodIp"`).get() as { n: number }).n) {
    const ips = (db.prepare(`SELECT DISTINCT "upstreamIp" AS ip FROM "AccessRecord" WHERE "upstreamIp" IS NOT NULL`).all() as { ip: string }[]).map((r) => r.ip);
    db.transaction(() => {
      db.prepare(`UPDATE "Source" SET "namespace" = 'default', "pod" = 'nginx-test-6df974c9f9-qksd4'`).run();
      db.prepare(`INSERT INTO "ServiceIp" ("ip", "namespace", "service", "serviceUid", "fromTime") VALUES (?, 'default', 'backend-service', 'svc-1', ?)`).run(SEED_SERVICE_IP, t0);
      db.prepare(`UPDATE "AccessRecord" SET "upstreamKind" = 'service', "upstreamNamespace" = 'default', "upstreamService" = 'backend-service' WHERE "upstreamIp" = ?`).run(SEED_SERVICE_IP);
      for (const [i, ip] of ips.filter((x) => x !== SEED_SERVICE_IP).entries()) {
        const pod = `backend-7b9c5d8f6d-${i}`;
        db.prepare(`INSERT INTO "PodIp" ("ip", "namespace", "pod", "podUid", "fromTime") VALUES (?, 'default', ?, ?, ?)`).run(ip, pod, `uid-${i}`, t0);
        db.prepare(`INSERT INTO "EndpointMember" ("namespace", "service", "ip", "pod", "podUid", "fromTime") VALUES ('default', 'backend-service', ?, ?, ?, ?)`).run(ip, pod, `uid-${i}`, t0);
        db.prepare(`UPDATE "AccessRecord" SET "upstreamKind" = 'pod', "upstreamNamespace" = 'default', "upstreamPod" = ? WHERE "upstreamIp" = ?`).run(pod, ip);
      }
    })();
    attributed = true;
  }
  const r = db.prepare(`SELECT COUNT(*) AS n, MIN("startTime") AS f, MAX("startTime") AS t FROM "AccessRecord"`).get() as { n: number; f: number; t: number };
  db.close();
  if (attributed) {
    // The rollups counted the records before they were attributed: count them again, as the collector's would be.
    const rollups = await openRollupMaintenance(`file:${file}`);
    await rollups.rebuild({ fromMs: Number(r.f), toMs: Number(r.t) + 1 });
    await rollups.close();
  }
  return { url: `file:${file}`, records: r.n, fromMs: Number(r.f), toMs: Number(r.t) + 1 };
}

tasks['analysis-cells'] = async () => {
  const { url, records, fromMs, toMs } = await attributedDatabase();
  const store = await openAnalysisStore(url);
  const t = performance.now();
  const cells = await store.trafficCells(fromMs, toMs);
  const seconds = (performance.now() - t) / 1000;
  store.close();
  return { items: records, seconds, note: `${cells.length} cells` };
};

tasks.analysis = async () => {
  const { url, records, fromMs, toMs } = await attributedDatabase();
  const store = await openAnalysisStore(url);
  const t = performance.now();
  const run = await analyse(store, { fromMs, toMs });
  const seconds = (performance.now() - t) / 1000;
  store.close();
  return { items: records, seconds, note: `findings: ${run.findings.map((f) => f.code).join(', ') || 'none'}` };
};

const run = tasks[name];
if (!run) throw new Error(`unknown task ${name}`);
console.log(JSON.stringify(await run()));
