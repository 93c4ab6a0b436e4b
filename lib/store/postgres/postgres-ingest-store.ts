// PostgreSQL side of the write path. A source's batch goes in as one statement per 2,000 rows, all in one transaction:
// its records, its rejected lines and its checkpoint through data-modifying CTEs, the rows of each table as one array
// parameter per column expanded by unnest (no per-row round trips, no 65535-parameter ceiling), each INSERT skipping
// rows already stored under the same source and seq and returning what it added, so the checkpoint's counters grow by
// exactly that.
//
// Writers take one transaction-scoped advisory lock before writing, so record ids are handed out and committed in the
// same order, as with SQLite's single writer: a reader that has seen id N has seen every committed id below it (the
// live view pages by id), and two writers (a collector and an import, two collectors) never deadlock on each other's
// checkpoint rows.
//
// Rollups (postgres-rollups.ts) are kept in the same transaction: the records each statement actually inserted (its
// RETURNING: all of them, or the seqs that went in when some were there already) are counted as PostgreSQL stored them,
// and the minute and hour rows they add to are written once at the end. The lock makes the rollup watermark valid
// (every id up to the largest one seen is committed) and the histograms' read-modify-write one writer's at a time.
// pg_advisory_xact_lock is PostgreSQL's own: CockroachDB has no advisory locks (there, the same order would need a
// lock row, e.g. SELECT … FOR UPDATE on RollupState taken first).
import type pg from 'pg';
import { HOUR_MINUTES, RollupAccumulator } from '../rollup/rollup-accumulator.ts';
import {
  MAX_REJECTED_RAW, type BatchResult, type Checkpoint, type IngestBatch, type IngestStore, type RecordRow, type RejectedRow, type SourceIdentity,
} from '../ingest-store.ts';
import { inTransaction, numberArray, openPool, pgInt4, pgInt8, pgMs, pgText, textArray, tsOf, WRITE_BEGIN } from './pg-sql.ts';
import { addStoredRecord, beginRollups, catchUpRollups, commitRollups, hasRollupTables, mergeHourPieces, WATERMARK_SQL } from './postgres-rollups.ts';

export { WRITE_LOCK_KEY } from './pg-sql.ts';

type ColumnType = 'int4' | 'int8' | 'text' | 'bool' | 'ms';
type Value = string | number | boolean | null;

/** A slice of a batch's records, with their JSON columns serialised once (for the size estimate and the insert). */
interface RecordChunk {
  rows: RecordRow[];
  ambiguousJson: (string | null)[];
  extraJson: (string | null)[];
}

/** AccessRecord's columns besides "sourceId", in parameter order: how each travels and where its value comes from,
 * mapped as SqliteIngestStore's recordParams maps them. */
const recordColumns: readonly [string, ColumnType, (row: RecordRow, i: number, chunk: RecordChunk) => Value][] = [
  ['seq', 'int4', (x) => x.seq],
  ['startTime', 'ms', (x) => pgMs(x.record.startTime)],
  ['startTimeNanos', 'int4', (x) => pgInt4(x.record.startTimeNanos)],
  ['method', 'text', (x) => pgText(x.record.method)],
  ['path', 'text', (x) => pgText(x.record.path)],
  ['protocol', 'text', (x) => pgText(x.record.protocol)],
  ['status', 'int4', (x) => pgInt4(x.record.status)],
  ['bytesReceived', 'int8', (x) => pgInt8(x.record.bytesReceived)],
  ['bytesSent', 'int8', (x) => pgInt8(x.record.bytesSent)],
  ['durationMs', 'int4', (x) => pgInt4(x.record.durationMs)],
  ['upstreamServiceTimeMs', 'int4', (x) => pgInt4(x.record.upstreamServiceTimeMs)],
  ['requestId', 'text', (x) => pgText(x.record.requestId)],
  ['userAgent', 'text', (x) => pgText(x.record.userAgent)],
  ['forwardedFor', 'text', (x) => pgText(x.record.forwardedFor)],
  ['authority', 'text', (x) => pgText(x.record.authority)],
  ['upstreamHost', 'text', (x) => pgText(x.record.upstreamHost)],
  ['upstreamIp', 'text', (x) => pgText(x.record.upstreamIp)],
  ['upstreamPort', 'int4', (x) => pgInt4(x.record.upstreamPort)],
  ['upstreamCluster', 'text', (x) => pgText(x.record.upstreamCluster)],
  ['responseFlags', 'text', (x) => pgText(x.record.responseFlags)],
  ['downstreamRemoteIp', 'text', (x) => pgText(x.record.downstreamRemoteIp)],
  ['ambiguousFields', 'text', (_, i, chunk) => chunk.ambiguousJson[i]!],
  ['extraJson', 'text', (_, i, chunk) => chunk.extraJson[i]!],
  ['logTime', 'ms', (x) => pgMs(x.logTime)],
  ['upstreamKind', 'text', (x) => pgText(x.attribution?.upstreamKind)],
  ['upstreamNamespace', 'text', (x) => pgText(x.attribution?.upstreamNamespace)],
  ['upstreamPod', 'text', (x) => pgText(x.attribution?.upstreamPod)],
  ['upstreamService', 'text', (x) => pgText(x.attribution?.upstreamService)],
  ['upstreamAmbiguous', 'bool', (x) => Boolean(x.attribution?.upstreamAmbiguous)],
  ['downstreamKind', 'text', (x) => pgText(x.attribution?.downstreamKind)],
  ['downstreamNamespace', 'text', (x) => pgText(x.attribution?.downstreamNamespace)],
  ['downstreamPod', 'text', (x) => pgText(x.attribution?.downstreamPod)],
];

const arrayType: Record<ColumnType, string> = { int4: 'int4[]', int8: 'int8[]', text: 'text[]', bool: 'bool[]', ms: 'int8[]' };

// Parameters: $1 source id, $2.. one array per record column, then the rejects' five arrays, then the checkpoint.
const R = 2;
const J = R + recordColumns.length;
const K = J + 5;

const writeSql = `
WITH "rec" AS (
  INSERT INTO "AccessRecord" ("sourceId", ${recordColumns.map(([c]) => `"${c}"`).join(', ')})
  SELECT $1::int4, ${recordColumns.map(([c, t]) => (t === 'ms' ? tsOf(`u."${c}"`) : `u."${c}"`)).join(', ')}
  FROM unnest(${recordColumns.map(([, t], i) => `$${R + i}::${arrayType[t]}`).join(', ')})
    AS u(${recordColumns.map(([c]) => `"${c}"`).join(', ')})
  ON CONFLICT ("sourceId", "seq") DO NOTHING
  RETURNING "id", "seq", "ambiguousFields" IS NOT NULL AS "ambiguous"
), "rej" AS (
  INSERT INTO "RejectedLine" ("sourceId", "seq", "reason", "column", "raw", "rawLength", "createdAt")
  SELECT $1::int4, u."seq", u."reason", u."column", u."raw", u."rawLength", ${tsOf(`$${K + 7}`)}
  FROM unnest($${J}::int4[], $${J + 1}::text[], $${J + 2}::int4[], $${J + 3}::text[], $${J + 4}::int4[])
    AS u("seq", "reason", "column", "raw", "rawLength")
  ON CONFLICT ("sourceId", "seq") DO NOTHING
  RETURNING 1
), "added" AS (
  SELECT count(*)::int4 AS "records", count(*) FILTER (WHERE "ambiguous")::int4 AS "ambiguous",
    (SELECT count(*) FROM "rej")::int4 AS "rejected", max("id") AS "lastId",
    CASE WHEN count(*) < array_length($${R}::int4[], 1) THEN array_agg("seq") END AS "seqs"
  FROM "rec"
), "cp" AS (
  INSERT INTO "IngestCheckpoint" ("sourceId", "linesRead", "bytesRead", "fingerprint", "watermark", "watermarkCount",
    "records", "rejected", "ambiguous", "otherLines", "finished", "updatedAt")
  SELECT $1::int4, $${K}::int4, $${K + 1}::int8, $${K + 2}::text, $${K + 3}::text, $${K + 4}::int4,
    a."records", a."rejected", a."ambiguous",
    -- Non-access lines: a plain count, or their positions, of which only those past the stored position count (two
    -- collectors reading the same lines count them once).
    $${K + 5}::int4 + (SELECT count(*)::int4 FROM unnest($${K + 8}::int4[]) AS o("seq")
      WHERE o."seq" > COALESCE((SELECT p."linesRead" FROM "IngestCheckpoint" p WHERE p."sourceId" = $1), 0)),
    $${K + 6}::bool, ${tsOf(`$${K + 7}`)}
  FROM "added" a
  -- Two collectors may read one container: the position only moves forward (a slower writer committing an older one
  -- leaves it) and an instance read to its end stays finished; the counters add what this statement inserted.
  ON CONFLICT ("sourceId") DO UPDATE SET
    "linesRead" = GREATEST("IngestCheckpoint"."linesRead", excluded."linesRead"),
    "bytesRead" = CASE WHEN excluded."linesRead" >= "IngestCheckpoint"."linesRead" THEN excluded."bytesRead" ELSE "IngestCheckpoint"."bytesRead" END,
    "fingerprint" = CASE WHEN excluded."linesRead" >= "IngestCheckpoint"."linesRead" THEN excluded."fingerprint" ELSE "IngestCheckpoint"."fingerprint" END,
    "watermark" = CASE WHEN excluded."linesRead" >= "IngestCheckpoint"."linesRead" THEN excluded."watermark" ELSE "IngestCheckpoint"."watermark" END,
    "watermarkCount" = CASE WHEN excluded."linesRead" >= "IngestCheckpoint"."linesRead" THEN excluded."watermarkCount" ELSE "IngestCheckpoint"."watermarkCount" END,
    "records" = "IngestCheckpoint"."records" + excluded."records",
    "rejected" = "IngestCheckpoint"."rejected" + excluded."rejected",
    "ambiguous" = "IngestCheckpoint"."ambiguous" + excluded."ambiguous",
    "otherLines" = "IngestCheckpoint"."otherLines" + excluded."otherLines",
    "finished" = excluded."finished" OR "IngestCheckpoint"."finished", "updatedAt" = excluded."updatedAt"
  RETURNING 1
)
SELECT a."records", a."rejected", (SELECT count(*) FROM "cp")::int4 AS "checkpoints", a."lastId", a."seqs" FROM "added" a`;

/** What one statement reports: counts, the largest id it inserted, and the seqs it inserted when not all of them. */
interface WriteResult {
  records: number;
  rejected: number;
  lastId: number | null;
  seqs: number[] | null;
}

/** Text a single statement carries at most (in UTF-16 units, before escaping): a batch of long lines is written in
 * more statements, so no parameter nears JavaScript's or PostgreSQL's size limits. */
const STATEMENT_TEXT_BUDGET = 16 * 1024 * 1024;

/** Rows a single statement inserts at most. Measured (a 2-core machine, 20,000-row batches): 2,000 rows a statement
 * writes about a third faster than one statement for the whole batch, and 1,000-4,000 are alike. */
const STATEMENT_ROWS = 2000;

const len = (v: string | null | undefined) => (v ? v.length : 0);

function recordChunks(records: readonly RecordRow[]): RecordChunk[] {
  const chunks: RecordChunk[] = [];
  let chunk: RecordChunk = { rows: [], ambiguousJson: [], extraJson: [] };
  let size = 0;
  for (const row of records) {
    const r = row.record;
    const ambiguous = r.ambiguousFields ? pgText(JSON.stringify(r.ambiguousFields)) : null;
    const extra = r.extra ? pgText(JSON.stringify(r.extra)) : null;
    // Numbers, names from Kubernetes and the like: a few hundred characters; the free text counted as it is.
    const rowSize = 512 + len(r.method) + len(r.path) + len(r.protocol) + len(r.requestId) + len(r.userAgent) + len(r.forwardedFor) +
      len(r.authority) + len(r.upstreamHost) + len(r.upstreamCluster) + len(r.responseFlags) + len(ambiguous) + len(extra);
    if (chunk.rows.length >= STATEMENT_ROWS || (chunk.rows.length > 0 && size + rowSize > STATEMENT_TEXT_BUDGET)) {
      chunks.push(chunk);
      chunk = { rows: [], ambiguousJson: [], extraJson: [] };
      size = 0;
    }
    chunk.rows.push(row);
    chunk.ambiguousJson.push(ambiguous);
    chunk.extraJson.push(extra);
    size += rowSize;
  }
  if (chunk.rows.length > 0) chunks.push(chunk);
  return chunks;
}

function rejectChunks(rejects: readonly RejectedRow[]): RejectedRow[][] {
  const chunks: RejectedRow[][] = [];
  let chunk: RejectedRow[] = [];
  let size = 0;
  for (const r of rejects) {
    const rowSize = 64 + len(r.reason) + Math.min(r.raw.length, MAX_REJECTED_RAW);
    if (chunk.length >= STATEMENT_ROWS || (chunk.length > 0 && size + rowSize > STATEMENT_TEXT_BUDGET)) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(r);
    size += rowSize;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * The parameters of writeSql for each statement a source's batch needs (one per 2,000 rows, at least one, more for
 * long lines), built as they are sent. Each statement moves the checkpoint to the batch's position and adds what it
 * stored to the counters, so several statements in one transaction leave the same checkpoint as one would; the
 * non-access lines are added by the first only.
 */
function* writeStatements(sourceId: number, batch: IngestBatch, now: number): Generator<{ values: unknown[]; rows: RecordRow[] }> {
  const records = recordChunks(batch.records);
  const rejects = rejectChunks(batch.rejects);
  const count = Math.max(1, records.length, rejects.length);
  const c = batch.checkpoint;
  for (let n = 0; n < count; n++) {
    const chunk = records[n] ?? { rows: [], ambiguousJson: [], extraJson: [] };
    const rj = rejects[n] ?? [];
    const values = [
      sourceId,
      ...recordColumns.map(([, type, get]) => {
        const values = chunk.rows.map((row, i) => get(row, i, chunk));
        return type === 'text' ? textArray(values as (string | null)[]) : numberArray(values as (number | boolean | null)[]);
      }),
      numberArray(rj.map((r) => r.seq)),
      textArray(rj.map((r) => pgText(r.reason))),
      numberArray(rj.map((r) => pgInt4(r.column))),
      textArray(rj.map((r) => pgText(r.raw.length > MAX_REJECTED_RAW ? r.raw.slice(0, MAX_REJECTED_RAW) : r.raw))),
      numberArray(rj.map((r) => r.raw.length)),
      // The first statement carries the non-access lines: it still sees the position stored before this batch.
      c.linesRead, c.bytesRead, pgText(c.fingerprint), pgText(c.watermark), c.watermarkCount,
      n === 0 && !batch.otherLineSeqs ? (batch.otherLines ?? 0) : 0,
      Boolean(c.finished), now,
      numberArray(n === 0 ? (batch.otherLineSeqs ?? []) : []),
    ];
    yield { values, rows: chunk.rows };
  }
}

interface CheckpointRow {
  linesRead: number;
  bytesRead: string;
  fingerprint: string | null;
  watermark: string | null;
  watermarkCount: number;
  records: number;
  rejected: number;
  ambiguous: number;
  otherLines: number;
  finished: boolean;
}

export function checkpointOf(r: CheckpointRow): Checkpoint {
  return {
    linesRead: r.linesRead, bytesRead: Number(r.bytesRead), fingerprint: r.fingerprint, watermark: r.watermark,
    watermarkCount: r.watermarkCount, records: r.records, rejected: r.rejected, ambiguous: r.ambiguous,
    otherLines: r.otherLines, finished: r.finished,
  };
}

/** Records a store's first write counts per transaction, before its own, when something stored many without rollups. */
const CATCH_UP_RECORDS = 200_000;

export class PostgresIngestStore implements IngestStore {
  protected readonly pool: pg.Pool;
  /** Whether the database keeps rollups; settled on the first write. */
  private rollups: Promise<boolean> | undefined;
  /** The latest hour (epoch minutes) this store wrote rollups of; the hours before it are merged (mergeHourPieces). */
  private latestHour: number | null = null;

  constructor(databaseUrl: string) {
    this.pool = openPool(databaseUrl);
  }

  /**
   * On the first write: whether the rollup tables exist, and the records something else stored without rollups
   * counted in bounded transactions of their own (a script may have stored millions; each ingest transaction then
   * counts only what arrived since).
   */
  private keepsRollups(): Promise<boolean> {
    this.rollups ??= (async () => {
      if (!(await hasRollupTables(this.pool))) return false;
      await catchUpRollups(this.pool, CATCH_UP_RECORDS);
      return true;
    })();
    this.rollups.catch(() => (this.rollups = undefined));
    return this.rollups;
  }

  async openSource(identity: SourceIdentity): Promise<{ sourceId: number; checkpoint: Checkpoint | null }> {
    const now = Date.now();
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO "Source" ("key", "kind", "namespace", "pod", "container", "podUid", "containerId", "location", "format",
         "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${tsOf('$10')}, ${tsOf('$10')})
       ON CONFLICT ("key") DO UPDATE SET "location" = excluded."location", "format" = excluded."format",
         "updatedAt" = excluded."updatedAt"
       RETURNING "id"`,
      [pgText(identity.key), identity.kind, pgText(identity.namespace), pgText(identity.pod), pgText(identity.container),
        pgText(identity.podUid), pgText(identity.containerId), pgText(identity.location), pgText(identity.format), now],
    );
    const sourceId = rows[0]!.id;
    const cp = await this.pool.query<CheckpointRow>(
      `SELECT "linesRead", "bytesRead", "fingerprint", "watermark", "watermarkCount", "records", "rejected", "ambiguous",
         "otherLines", "finished" FROM "IngestCheckpoint" WHERE "sourceId" = $1`,
      [sourceId],
    );
    return { sourceId, checkpoint: cp.rows[0] ? checkpointOf(cp.rows[0]) : null };
  }

  async writeBatch(sourceId: number, batch: IngestBatch): Promise<BatchResult> {
    return (await this.writeBatches([{ sourceId, batch }]))[0]!;
  }

  async writeBatches(items: { sourceId: number; batch: IngestBatch }[]): Promise<BatchResult[]> {
    if (items.length === 0) return [];
    const keepRollups = await this.keepsRollups();
    const now = Date.now();
    let newHour: number | null = null;
    // With rollups, BEGIN also reads their watermark (one round trip).
    const out = await inTransaction(this.pool, async (client, begun) => {
      const rollup = keepRollups ? await beginRollups(client, (begun as pg.QueryResult[]).at(-1)!.rows[0]) : null;
      const results = items.map((): BatchResult => ({ recordsAdded: 0, rejectsAdded: 0 }));
      const statements = (function* () {
        for (const [i, { sourceId, batch }] of items.entries()) {
          for (const { values, rows } of writeStatements(sourceId, batch, now)) yield { i, sourceId, values, rows };
        }
      })();
      let lastId: number | null = null;
      const run = (values: unknown[]) => client.query<WriteResult>({ name: 'envoy-lens-write-batch', text: writeSql, values });
      // While the server runs a statement, its records are counted into the rollups (as if all went in, the usual
      // case) and the next statement's parameters are built.
      let next = statements.next();
      let running = next.done ? null : run(next.value.values);
      try {
        while (running) {
          const current = next.value!;
          let counted: RollupAccumulator | null = null;
          if (rollup) {
            counted = new RollupAccumulator();
            for (const row of current.rows) addStoredRecord(counted, current.sourceId, row.record, row.attribution);
          }
          next = statements.next();
          const { rows } = await running;
          running = next.done ? null : run(next.value.values);
          const r = rows[0]!;
          results[current.i]!.recordsAdded += r.records;
          results[current.i]!.rejectsAdded += r.rejected;
          if (r.lastId !== null) lastId = Math.max(lastId ?? 0, r.lastId);
          if (rollup && r.records > 0) {
            if (r.seqs !== null) {
              // Some were there already: those whose seq is listed went in (a seq given twice: the first).
              const inserted = new Set(r.seqs);
              counted = new RollupAccumulator();
              for (const row of current.rows) if (inserted.delete(row.seq)) addStoredRecord(counted, current.sourceId, row.record, row.attribution);
            }
            rollup.more.push(counted!);
          }
        }
      } catch (err) {
        await running?.catch(() => undefined);
        throw err;
      }
      if (rollup) {
        const { latestHour } = await commitRollups(client, rollup, lastId);
        if (latestHour !== null && this.latestHour !== null && latestHour > this.latestHour) {
          // Records of a new hour: the hours before it are over. Two more back, for hours a stopped store left.
          await mergeHourPieces(client, this.latestHour - 2 * HOUR_MINUTES, latestHour);
        }
        if (latestHour !== null) newHour = Math.max(latestHour, this.latestHour ?? latestHour);
      }
      return results;
    }, keepRollups ? `${WRITE_BEGIN}; ${WATERMARK_SQL}` : WRITE_BEGIN);
    if (newHour !== null) this.latestHour = newHour;
    return out;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
