// PostgreSQL side of the rollups (RecordRollup, RecordRollupHour, RollupState; see lib/store/rollup/), the twin of
// ../sqlite/sqlite-rollups.ts: the deltas an ingest transaction writes and catching up records something else stored.
// What the readers share is in postgres-rollup-reads.ts; rebuilding periods from the records and the status
// `envoy-lens rollups` prints are in postgres-rollup-maintenance.ts.
//
// Writers. Every transaction that writes rollups (ingest, catch-up, rebuild) holds the records' write lock
// (WRITE_BEGIN), so they run one at a time, as SQLite's single writer does, and RollupState.rolledThroughId means the
// same: every record with an id up to it is counted, none above it. The rows themselves are written by one upsert per
// transaction that is exact on its own (see writeRollupDeltas): a row's histogram text may hold up to
// MAX_HISTOGRAM_PIECES canonical histograms joined by `;`, which the shared decoder reads as their sum.
//
// SQL kept to what CockroachDB also runs (unnest, ON CONFLICT DO UPDATE … RETURNING, data-modifying CTEs on different
// tables, UPDATE … FROM, string_agg, position, bool_or); the advisory lock is PostgreSQL's own (see
// postgres-ingest-store.ts).
import type pg from 'pg';
import type { AccessRecord } from '../../envoy/access-record.ts';
import type { Attribution } from '../ingest-store.ts';
import { decodeHistogram, encodeHistogram, mergeCounts } from '../rollup/duration-histogram.ts';
import {
  HOUR_MINUTES, minuteOf, RollupAccumulator, type RollupAttribution, type RollupDelta, type RollupRecord,
} from '../rollup/rollup-accumulator.ts';
import { rollupTable } from '../rollup/rollup-plan.ts';
import {
  inTransaction, msOf, numberArray, pgInt4, pgMs, pgText, textArray, WRITE_BEGIN,
} from './pg-sql.ts';

export type Queryable = pg.Pool | pg.PoolClient;

const KEY_COLUMNS = [
  ['periodMinutes', 'int4'], ['periodStart', 'int4'], ['sourceId', 'int4'], ['cluster', 'text'], ['upstreamHost', 'text'],
  ['upstreamIp', 'text'], ['upstreamKind', 'text'], ['upstreamNamespace', 'text'], ['upstreamPod', 'text'],
  ['upstreamService', 'text'], ['status', 'int4'], ['responseFlags', 'text'],
] as const;
const COUNT_COLUMNS = [['records', 'int4'], ['ambiguous', 'int4'], ['timed', 'int4'], ['durationSumMs', 'int8'], ['histogram', 'text']] as const;
const q = (c: string) => `"${c}"`;
const KEYS = KEY_COLUMNS.map(([c]) => q(c)).join(', ');
/** Every rollup column but the id, the same in both tables, in the order of the key then the counts. */
export const ROLLUP_COLUMNS = [...KEY_COLUMNS, ...COUNT_COLUMNS].map(([c]) => c);
const unnestOf = (cols: readonly (readonly [string, string])[], first = 1) => `unnest(${cols.map(([, t], i) => `$${first + i}::${t}[]`).join(', ')})`;

/** The key arrays of a list of deltas, in KEY_COLUMNS order. */
function keyArrays(deltas: readonly RollupDelta[]): string[] {
  const n = (f: (d: RollupDelta) => number) => numberArray(deltas.map(f));
  const t = (f: (d: RollupDelta) => string) => textArray(deltas.map(f));
  return [
    n((d) => d.periodMinutes), n((d) => d.periodStart), n((d) => d.sourceId), t((d) => d.cluster), t((d) => d.upstreamHost),
    t((d) => d.upstreamIp), t((d) => d.upstreamKind), t((d) => d.upstreamNamespace), t((d) => d.upstreamPod),
    t((d) => d.upstreamService), n((d) => d.status), t((d) => d.responseFlags),
  ];
}

/**
 * A row's histogram text holds at most this many canonical histograms joined by `;` (see writeRollupDeltas); one that
 * reaches it is written back as one.
 */
export const MAX_HISTOGRAM_PIECES = 8;

/** Adds a table's deltas (parameters from $first: key arrays, then count arrays) to its rows, answering the rows. */
const upsertInto = (table: string, first: number) => `
  INSERT INTO ${table} AS r (${KEYS}, ${COUNT_COLUMNS.map(([c]) => q(c)).join(', ')})
  SELECT * FROM ${unnestOf([...KEY_COLUMNS, ...COUNT_COLUMNS], first)}
  ON CONFLICT (${KEYS}) DO UPDATE SET "records" = r."records" + excluded."records",
    "ambiguous" = r."ambiguous" + excluded."ambiguous", "timed" = r."timed" + excluded."timed",
    "durationSumMs" = r."durationSumMs" + excluded."durationSumMs",
    "histogram" = CASE WHEN excluded."histogram" = '' THEN r."histogram"
      WHEN r."histogram" = '' THEN excluded."histogram"
      ELSE r."histogram" || ';' || excluded."histogram" END
  RETURNING "id", CASE WHEN length("histogram") - length(replace("histogram", ';', '')) >= $${2 * ARRAYS + 2}::int4 - 1 THEN "histogram" END AS "long"`;

/** Arrays per table in UPSERT_SQL. */
const ARRAYS = KEY_COLUMNS.length + COUNT_COLUMNS.length;

/**
 * Every delta added to its row in one statement: minute rows from $1.., hour rows from the arrays after them. A new row
 * is inserted, an existing one given the counts and, after a `;`, the delta's histogram; the watermark moved when
 * $2·ARRAYS+1 is not null. Answers the rows whose histogram text now holds MAX_HISTOGRAM_PIECES pieces (the last
 * parameter), with their period length and text.
 */
const UPSERT_SQL = `
WITH "minutes" AS (${upsertInto(rollupTable(1), 1)}
), "hours" AS (${upsertInto(rollupTable(HOUR_MINUTES), ARRAYS + 1)}
), "state" AS (
  UPDATE "RollupState" SET "rolledThroughId" = $${2 * ARRAYS + 1}::int4 WHERE "id" = 1 AND "rolledThroughId" < $${2 * ARRAYS + 1}::int4 RETURNING 1
)
SELECT 1, "id", "long" FROM "minutes" WHERE "long" IS NOT NULL
UNION ALL SELECT ${HOUR_MINUTES}, "id", "long" FROM "hours" WHERE "long" IS NOT NULL`;

/** Rows of one table given their histogram text (id, text) as one merged histogram; the rows are locked already. */
async function writeMerged(client: pg.PoolClient, periodMinutes: number, rows: [number, string][]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `UPDATE ${rollupTable(periodMinutes)} AS r SET "histogram" = d."histogram"
     FROM unnest($1::int4[], $2::text[]) AS d("id", "histogram") WHERE r."id" = d."id"`,
    [numberArray(rows.map((r) => r[0])), textArray(rows.map((r) => encodeHistogram(decodeHistogram(r[1]))))],
  );
}

/**
 * Adds each delta to its row (created when missing) and, when `through` is given, moves the watermark up to it, in the
 * caller's transaction. One statement: counts are added in SQL, and a histogram, which only the shared code can merge,
 * is appended to the row's text after a `;` (every decoder reads canonical histograms joined so as their sum: that is
 * also how string_agg hands readers many rows' at once). A row whose text reaches MAX_HISTOGRAM_PIECES is merged here
 * and written back as one histogram (locked already: the statement updated it). Exact whatever runs at the same
 * time (each row's update is atomic); the write lock only keeps the watermark right.
 */
export async function writeRollupDeltas(client: pg.PoolClient, deltas: readonly RollupDelta[], through: number | null): Promise<void> {
  // One delta per row (ON CONFLICT may touch a row once per statement; an accumulator keeps a null and an empty text
  // apart, the row key does not), keys in a stable order so that writers meeting on rows take them in the same order.
  const rows = mergeDeltas([deltas]).sort(compareDeltas);
  if (rows.length === 0 && through === null) return;
  const arrays = (list: RollupDelta[]) => [
    ...keyArrays(list), numberArray(list.map((d) => d.records)), numberArray(list.map((d) => d.ambiguous)),
    numberArray(list.map((d) => d.timed)), numberArray(list.map((d) => d.durationSumMs)),
    textArray(list.map((d) => encodeHistogram(d.histogram))),
  ];
  const { rows: long } = await client.query<[number, number, string]>({
    text: UPSERT_SQL,
    values: [
      ...arrays(rows.filter((d) => d.periodMinutes !== HOUR_MINUTES)), ...arrays(rows.filter((d) => d.periodMinutes === HOUR_MINUTES)),
      through, MAX_HISTOGRAM_PIECES,
    ],
    rowMode: 'array',
  });
  for (const minutes of [1, HOUR_MINUTES]) await writeMerged(client, minutes, long.filter((r) => r[0] === minutes).map((r) => [r[1], r[2]]));
}

function compareDeltas(a: RollupDelta, b: RollupDelta): number {
  return a.periodMinutes - b.periodMinutes || a.periodStart - b.periodStart || a.sourceId - b.sourceId || a.status - b.status ||
    cmp(a.cluster, b.cluster) || cmp(a.upstreamHost, b.upstreamHost) || cmp(a.upstreamIp, b.upstreamIp) ||
    cmp(a.upstreamKind, b.upstreamKind) || cmp(a.upstreamNamespace, b.upstreamNamespace) || cmp(a.upstreamPod, b.upstreamPod) ||
    cmp(a.upstreamService, b.upstreamService) || cmp(a.responseFlags, b.responseFlags);
}
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------------------------------------------------------------
// Counting records

/** Epoch minutes a rollup row can hold (periodStart is an int4; an hour row starts up to 59 minutes earlier). */
const MAX_MINUTE = 2 ** 31 - 1 - HOUR_MINUTES;
const rollable = (ms: number) => Math.abs(minuteOf(ms)) <= MAX_MINUTE;

/**
 * Counts a record this transaction inserted, with its values as PostgreSQL stored them (what reading it back would
 * give: whole ms, int4 numbers or null, U+0000 as U+FFFD), so the rollups agree with the records exactly. A start time
 * too far from today for an int4 of minutes (beyond year 6053) is not rolled up.
 */
export function addStoredRecord(acc: RollupAccumulator, sourceId: number, r: AccessRecord, a: Attribution | undefined): void {
  const startTime = pgMs(r.startTime);
  if (startTime === null || !rollable(startTime)) return;
  // One object reused for every record (the accumulator copies what it keeps): this runs for each record stored.
  const s = scratch;
  s.startTime = startTime;
  s.durationMs = pgInt4(r.durationMs);
  s.status = pgInt4(r.status);
  s.responseFlags = pgText(r.responseFlags);
  s.upstreamCluster = pgText(r.upstreamCluster);
  s.upstreamHost = pgText(r.upstreamHost);
  s.upstreamIp = pgText(r.upstreamIp);
  s.upstreamKind = pgText(a?.upstreamKind);
  s.upstreamNamespace = pgText(a?.upstreamNamespace);
  s.upstreamPod = pgText(a?.upstreamPod);
  s.upstreamService = pgText(a?.upstreamService);
  s.upstreamAmbiguous = Boolean(a?.upstreamAmbiguous);
  acc.add(sourceId, s, s);
}

const scratch: RollupRecord & RollupAttribution = {
  startTime: null, durationMs: null, status: null, responseFlags: null, upstreamCluster: null, upstreamHost: null, upstreamIp: null,
  upstreamKind: null, upstreamNamespace: null, upstreamPod: null, upstreamService: null, upstreamAmbiguous: false,
};

/** The record columns a rollup reads, for rows read back from AccessRecord (in addRows' order). */
const RECORD_COLUMNS = `"sourceId", ${msOf('"startTime"')}, "durationMs", "status", "responseFlags", "upstreamCluster", "upstreamHost",
  "upstreamIp", "upstreamKind", "upstreamNamespace", "upstreamPod", "upstreamService", "upstreamAmbiguous"`;

type RecordTuple = [number, string, number | null, number | null, string | null, string | null, string | null, string | null,
  string | null, string | null, string | null, string | null, boolean];

/** Counts the records a query over AccessRecord selects; answers how many were counted. */
export async function addRows(client: Queryable, acc: RollupAccumulator, where: string, values: unknown[]): Promise<number> {
  const { rows } = await client.query<RecordTuple>({
    text: `SELECT ${RECORD_COLUMNS} FROM "AccessRecord" WHERE "startTime" IS NOT NULL AND ${where}`,
    values,
    rowMode: 'array',
  });
  const before = acc.size;
  for (const t of rows) {
    const startTime = Number(t[1]);
    if (!rollable(startTime)) continue;
    const r = {
      startTime, durationMs: t[2], status: t[3], responseFlags: t[4], upstreamCluster: t[5], upstreamHost: t[6], upstreamIp: t[7],
      upstreamKind: t[8], upstreamNamespace: t[9], upstreamPod: t[10], upstreamService: t[11], upstreamAmbiguous: t[12],
    };
    acc.add(t[0], r, r);
  }
  return acc.size - before;
}

/** Ids read back per statement while catching up (a script may have stored millions). */
const CATCH_UP_IDS = 50_000;

/** Counts the records with ids in (fromId, toId], a slice of ids at a time. */
async function addRecordsById(client: Queryable, acc: RollupAccumulator, fromId: number, toId: number): Promise<void> {
  for (let lo = fromId; lo < toId; lo += CATCH_UP_IDS) {
    await addRows(client, acc, `"id" > $1 AND "id" <= $2`, [lo, Math.min(toId, lo + CATCH_UP_IDS)]);
  }
}

/**
 * The state row as the rollups migration writes it, for a database that lost it: every record so far counts as handled
 * and the whole hours they span as uncovered.
 */
const INITIAL_STATE_SQL = `
INSERT INTO "RollupState" ("id", "rolledThroughId", "uncoveredFrom", "uncoveredTo")
SELECT 1, COALESCE((SELECT MAX("id") FROM "AccessRecord"), 0),
  (FLOOR(EXTRACT(EPOCH FROM "lo") / 3600) * 60)::int4,
  (FLOOR(EXTRACT(EPOCH FROM "hi") / 3600) * 60 + 60)::int4
FROM (SELECT MIN("startTime") AS "lo", MAX("startTime") AS "hi" FROM "AccessRecord") AS "span"
ON CONFLICT ("id") DO NOTHING`;

export const WATERMARK_SQL = `SELECT (SELECT "rolledThroughId" FROM "RollupState" WHERE "id" = 1) AS "through",
  (SELECT MAX("id") FROM "AccessRecord") AS "max"`;

type WatermarkRow = { through: number | null; max: number | null };

/**
 * The watermark and the largest record id (under the write lock: every id up to it is committed); `known`: what
 * WATERMARK_SQL returned already in this transaction.
 */
async function watermark(client: pg.PoolClient, known?: WatermarkRow): Promise<{ through: number; max: number }> {
  let row = known ?? (await client.query<WatermarkRow>(WATERMARK_SQL)).rows[0]!;
  if (row.through === null) {
    await client.query(INITIAL_STATE_SQL);
    row = (await client.query<WatermarkRow>(WATERMARK_SQL)).rows[0]!;
  }
  return { through: row.through ?? 0, max: row.max ?? 0 };
}

/** One ingest transaction's part in the rollups: begun before its records are inserted, committed after. */
export interface RollupBatch {
  /** Add each record actually inserted (addStoredRecord), here or in accumulators of its own listed in `more`. */
  readonly acc: RollupAccumulator;
  readonly more: RollupAccumulator[];
  readonly throughBefore: number;
  /** The largest record id before the transaction's inserts. */
  readonly maxBefore: number;
}

/**
 * Before the transaction's inserts (holding the write lock): an accumulator already holding the records nobody counted.
 * `known`: WATERMARK_SQL's row, when the transaction read it as it began.
 */
export async function beginRollups(client: pg.PoolClient, known?: WatermarkRow): Promise<RollupBatch> {
  const acc = new RollupAccumulator();
  const { through, max } = await watermark(client, known);
  if (max > through) await addRecordsById(client, acc, through, max);
  return { acc, more: [], throughBefore: through, maxBefore: max };
}

/**
 * After the inserts, in the same transaction: the deltas written, the watermark moved past every record now stored
 * (`lastInsertedId`: the largest id the transaction inserted, null for none; ids only grow under the lock).
 */
export async function commitRollups(client: pg.PoolClient, batch: RollupBatch, lastInsertedId: number | null): Promise<{ latestHour: number | null }> {
  const through = Math.max(batch.maxBefore, lastInsertedId ?? 0);
  const deltas = [batch.acc, ...batch.more].filter((a) => !a.empty).flatMap((a) => a.deltas());
  await writeRollupDeltas(client, deltas, through > batch.throughBefore ? through : null);
  let latestHour: number | null = null;
  for (const d of deltas) if (d.periodMinutes === HOUR_MINUTES && (latestHour === null || d.periodStart > latestHour)) latestHour = d.periodStart;
  return { latestHour };
}

/**
 * Merges into one the histogram pieces of the hour rows in [fromMinute, toMinute) (epoch minutes), in the caller's
 * transaction. Ingest appends a piece per transaction to the row of the hour in progress (see writeRollupDeltas); once
 * records of a later hour arrive, the hours before it are merged, which halves the text a week's chart reads, sends
 * and parses (a week at 10M records: 3.1 MB of hour histograms, 1.7 MB merged). Answers how many rows it merged.
 */
export async function mergeHourPieces(client: pg.PoolClient, fromMinute: number, toMinute: number): Promise<number> {
  const { rows } = await client.query<[number, string]>({
    text: `SELECT "id", "histogram" FROM ${rollupTable(HOUR_MINUTES)}
      WHERE "periodMinutes" = ${HOUR_MINUTES} AND "periodStart" >= $1 AND "periodStart" < $2 AND position(';' in "histogram") > 0 FOR UPDATE`,
    values: [fromMinute, toMinute],
    rowMode: 'array',
  });
  await writeMerged(client, HOUR_MINUTES, rows);
  return rows.length;
}

/** Deltas as one per row: those of the same row added together (into the first of them). */
function mergeDeltas(lists: readonly (readonly RollupDelta[])[]): RollupDelta[] {
  const out = new Map<string, RollupDelta>();
  for (const list of lists) {
    for (const d of list) {
      // JSON keeps every text apart whatever it holds.
      const key = JSON.stringify([d.periodMinutes, d.periodStart, d.sourceId, d.status, d.cluster, d.upstreamHost, d.upstreamIp,
        d.upstreamKind, d.upstreamNamespace, d.upstreamPod, d.upstreamService, d.responseFlags]);
      const seen = out.get(key);
      if (!seen) {
        out.set(key, d);
        continue;
      }
      seen.records += d.records;
      seen.ambiguous += d.ambiguous;
      seen.timed += d.timed;
      seen.durationSumMs += d.durationSumMs;
      mergeCounts(seen.histogram, d.histogram);
    }
  }
  return [...out.values()];
}

/**
 * Counts the records above the watermark in transactions of at most `maxRecords` ids each; each moves the watermark to
 * the last id it counted.
 */
export async function catchUpRollups(pool: pg.Pool, maxRecords: number): Promise<{ records: number; transactions: number }> {
  const counted = { records: 0, transactions: 0 };
  for (;;) {
    const done = await inTransaction(pool, async (client) => {
      const { through, max } = await watermark(client);
      if (max <= through) return null;
      const upper = Math.min(max, through + maxRecords);
      const acc = new RollupAccumulator();
      await addRecordsById(client, acc, through, upper);
      await writeRollupDeltas(client, acc.deltas(), upper);
      return acc.size;
    }, WRITE_BEGIN);
    counted.transactions++;
    if (done === null) return counted;
    counted.records += done;
  }
}

/** Whether the database has the rollup tables (migrated far enough). */
/** SQL true when every rollup table exists. */
export const ROLLUP_TABLES_EXIST = ['"RecordRollup"', rollupTable(HOUR_MINUTES), '"RollupState"'].map((t) => `to_regclass('${t}') IS NOT NULL`).join(' AND ');

export async function hasRollupTables(q: Queryable): Promise<boolean> {
  const { rows } = await q.query(`SELECT ${ROLLUP_TABLES_EXIST} AS "present"`);
  return rows[0]!.present === true;
}
