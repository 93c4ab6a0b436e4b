// SQLite-only code lives in this folder and nowhere else.
//
// The hot insert path uses better-sqlite3 prepared statements in one transaction per batch: Prisma's createMany
// manages about 2k rows/s here against 125-180k for prepared statements (shared/notes/stack-recipes.md §3).
// Timestamps are written as epoch milliseconds, the representation the Prisma adapter is configured to read.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AccessRecord } from '../../envoy/access-record.ts';
import { sqliteFilePath } from '../database-url.ts';
import type { RollupAccumulator } from '../rollup/rollup-accumulator.ts';
import {
  MAX_REJECTED_RAW, type Attribution, type BatchResult, type Checkpoint, type IngestBatch, type IngestStore, type SourceIdentity,
} from '../ingest-store.ts';
import { SqliteRollupWriter } from './sqlite-rollups.ts';

const recordColumns = [
  'sourceId', 'seq', 'startTime', 'startTimeNanos', 'method', 'path', 'protocol', 'status', 'bytesReceived',
  'bytesSent', 'durationMs', 'upstreamServiceTimeMs', 'requestId', 'userAgent', 'forwardedFor', 'authority',
  'upstreamHost', 'upstreamIp', 'upstreamPort', 'upstreamCluster', 'responseFlags', 'downstreamRemoteIp',
  'ambiguousFields', 'extraJson', 'logTime', 'upstreamKind', 'upstreamNamespace', 'upstreamPod', 'upstreamService',
  'upstreamAmbiguous', 'downstreamKind', 'downstreamNamespace', 'downstreamPod',
] as const;

export function openSqlite(databaseUrl: string): Database.Database {
  const file = sqliteFilePath(databaseUrl);
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Measured with npm run bench: a 64 MiB page cache and checkpoints every ~40 MiB of WAL (instead of 4 MiB) take
  // import from ~40% to ~60% of a raw one-transaction insert, since each checkpoint rewrites the random index pages.
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 10000');
  return db;
}

export function recordParams(sourceId: number, seq: number, r: AccessRecord, logTime: number | null = null, a?: Attribution): unknown[] {
  return [
    sourceId, seq, r.startTime, r.startTimeNanos, r.method, r.path, r.protocol, r.status, r.bytesReceived,
    r.bytesSent, r.durationMs, r.upstreamServiceTimeMs, r.requestId, r.userAgent, r.forwardedFor, r.authority,
    r.upstreamHost, r.upstreamIp, r.upstreamPort, r.upstreamCluster, r.responseFlags, r.downstreamRemoteIp,
    r.ambiguousFields ? JSON.stringify(r.ambiguousFields) : null, r.extra ? JSON.stringify(r.extra) : null, logTime,
    a?.upstreamKind ?? null, a?.upstreamNamespace ?? null, a?.upstreamPod ?? null, a?.upstreamService ?? null,
    a?.upstreamAmbiguous ? 1 : 0, a?.downstreamKind ?? null, a?.downstreamNamespace ?? null, a?.downstreamPod ?? null,
  ];
}

export const insertRecordSql =
  `INSERT INTO "AccessRecord" (${recordColumns.map((c) => `"${c}"`).join(', ')}) ` +
  `VALUES (${recordColumns.map(() => '?').join(', ')}) ON CONFLICT ("sourceId", "seq") DO NOTHING`;

export class SqliteIngestStore implements IngestStore {
  protected readonly db: Database.Database;
  private readonly insertRecord: Database.Statement;
  private readonly insertReject: Database.Statement;
  private readonly upsertCheckpoint: Database.Statement;
  private readonly rollups: SqliteRollupWriter;
  private readonly writeTx: (items: { sourceId: number; batch: IngestBatch }[]) => BatchResult[];

  constructor(databaseUrl: string) {
    this.db = openSqlite(databaseUrl);
    this.insertRecord = this.db.prepare(insertRecordSql);
    this.insertReject = this.db.prepare(
      `INSERT INTO "RejectedLine" ("sourceId", "seq", "reason", "column", "raw", "rawLength", "createdAt")
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("sourceId", "seq") DO NOTHING`,
    );
    this.upsertCheckpoint = this.db.prepare(
      `INSERT INTO "IngestCheckpoint" ("sourceId", "linesRead", "bytesRead", "fingerprint", "watermark",
         "watermarkCount", "records", "rejected", "ambiguous", "otherLines", "finished", "updatedAt")
       VALUES (@sourceId, @linesRead, @bytesRead, @fingerprint, @watermark, @watermarkCount, @records, @rejected,
         @ambiguous, @otherLines, @finished, @now)
       ON CONFLICT ("sourceId") DO UPDATE SET
         -- Two collectors may read one container: the position only moves forward (a slower writer committing an
         -- older one leaves it), and an instance read to its end stays finished. The counters add what this
         -- transaction really inserted.
         "linesRead" = MAX("linesRead", excluded."linesRead"),
         "bytesRead" = CASE WHEN excluded."linesRead" >= "linesRead" THEN excluded."bytesRead" ELSE "bytesRead" END,
         "fingerprint" = CASE WHEN excluded."linesRead" >= "linesRead" THEN excluded."fingerprint" ELSE "fingerprint" END,
         "watermark" = CASE WHEN excluded."linesRead" >= "linesRead" THEN excluded."watermark" ELSE "watermark" END,
         "watermarkCount" = CASE WHEN excluded."linesRead" >= "linesRead" THEN excluded."watermarkCount" ELSE "watermarkCount" END,
         "records" = "records" + excluded."records",
         "rejected" = "rejected" + excluded."rejected", "ambiguous" = "ambiguous" + excluded."ambiguous",
         "otherLines" = "otherLines" + excluded."otherLines", "finished" = MAX("finished", excluded."finished"),
         "updatedAt" = excluded."updatedAt"`,
    );
    this.rollups = new SqliteRollupWriter(this.db);
    // Rollups count only the records this transaction actually inserted (`changes`): a line read again, or a source two
    // collectors write, is counted once, like the record itself.
    const storedPosition = this.db.prepare(`SELECT "linesRead" FROM "IngestCheckpoint" WHERE "sourceId" = ?`).pluck();
    /** Non-access lines past the stored position (lines before it were counted by whoever read them first). */
    const otherLinesAdded = (sourceId: number, batch: IngestBatch): number => {
      if (!batch.otherLineSeqs) return batch.otherLines ?? 0;
      if (batch.otherLineSeqs.length === 0) return 0;
      const stored = Number(storedPosition.get(sourceId) ?? 0);
      return batch.otherLineSeqs.filter((seq) => seq > stored).length;
    };
    const writeOne = (sourceId: number, batch: IngestBatch, rollup: RollupAccumulator): BatchResult => {
      let recordsAdded = 0, rejectsAdded = 0, ambiguousAdded = 0;
      for (const { seq, record, logTime, attribution } of batch.records) {
        const added = this.insertRecord.run(recordParams(sourceId, seq, record, logTime ?? null, attribution)).changes;
        if (!added) continue;
        recordsAdded++;
        if (record.ambiguousFields) ambiguousAdded++;
        rollup.add(sourceId, record, attribution);
      }
      const now = Date.now();
      for (const r of batch.rejects) {
        const raw = r.raw.length > MAX_REJECTED_RAW ? r.raw.slice(0, MAX_REJECTED_RAW) : r.raw;
        rejectsAdded += this.insertReject.run(sourceId, r.seq, r.reason, r.column, raw, r.raw.length, now).changes;
      }
      const c = batch.checkpoint;
      this.upsertCheckpoint.run({
        sourceId, linesRead: c.linesRead, bytesRead: c.bytesRead, fingerprint: c.fingerprint,
        watermark: c.watermark, watermarkCount: c.watermarkCount, records: recordsAdded,
        rejected: rejectsAdded, ambiguous: ambiguousAdded, otherLines: otherLinesAdded(sourceId, batch), finished: c.finished ? 1 : 0, now,
      });
      return { recordsAdded, rejectsAdded };
    };
    // BEGIN IMMEDIATE: the transaction reads (the rollup watermark) before it writes, and a deferred one would then be
    // refused the write lock at once (SQLITE_BUSY) whenever another connection wrote meanwhile, instead of waiting.
    this.writeTx = this.db.transaction((items: { sourceId: number; batch: IngestBatch }[]) => {
      const rollup = this.rollups.begin();
      const results = items.map((i) => writeOne(i.sourceId, i.batch, rollup.acc));
      this.rollups.commit(rollup);
      return results;
    }).immediate;
  }

  async openSource(identity: SourceIdentity): Promise<{ sourceId: number; checkpoint: Checkpoint | null }> {
    const now = Date.now();
    const row = this.db
      .prepare(
        `INSERT INTO "Source" ("key", "kind", "namespace", "pod", "container", "podUid", "containerId", "location", "format",
           "createdAt", "updatedAt")
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT ("key") DO UPDATE SET "location" = excluded."location", "format" = excluded."format",
           "updatedAt" = excluded."updatedAt"
         RETURNING "id"`,
      )
      .get(identity.key, identity.kind, identity.namespace ?? null, identity.pod ?? null, identity.container ?? null,
        identity.podUid ?? null, identity.containerId ?? null, identity.location ?? null, identity.format, now, now) as { id: number };
    const cp = this.db.prepare(`SELECT * FROM "IngestCheckpoint" WHERE "sourceId" = ?`).get(row.id) as
      | (Omit<Checkpoint, 'finished'> & { finished: number })
      | undefined;
    return {
      sourceId: row.id,
      checkpoint: cp
        ? {
            linesRead: cp.linesRead, bytesRead: Number(cp.bytesRead), fingerprint: cp.fingerprint,
            watermark: cp.watermark, watermarkCount: cp.watermarkCount, records: cp.records,
            rejected: cp.rejected, ambiguous: cp.ambiguous, otherLines: cp.otherLines, finished: cp.finished === 1,
          }
        : null,
    };
  }

  async writeBatch(sourceId: number, batch: IngestBatch): Promise<BatchResult> {
    return (await this.writeBatches([{ sourceId, batch }]))[0]!;
  }

  async writeBatches(items: { sourceId: number; batch: IngestBatch }[]): Promise<BatchResult[]> {
    return this.writeTx(items);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
