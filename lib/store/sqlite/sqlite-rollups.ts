// SQLite side of the rollups (RecordRollup, RecordRollupHour, RollupState; see lib/store/rollup/): writing the deltas
// of an ingest transaction, catching up records something else stored, rebuilding periods from the records, and the
// pieces the readers share (what is covered, the dashboard filter over rollup rows).
//
// Every statement here runs inside a transaction the caller opened, BEGIN IMMEDIATE (it reads before it writes): SQLite
// has one writer, so a read-modify-write of a row's histogram cannot interleave with another writer's.
import type Database from 'better-sqlite3';
import type { RecordFilter } from '../queries/record-filter.ts';
import { decodeHistogram, encodeHistogram, mergeCounts } from '../rollup/duration-histogram.ts';
import { HOUR_MINUTES, HOUR_MS, MINUTE_MS, RollupAccumulator, type RollupAttribution, type RollupDelta, type RollupRecord } from '../rollup/rollup-accumulator.ts';
import { rollupsAnswer } from '../rollup/rollup-filter.ts';
import { rollupTable, type Range } from '../rollup/rollup-plan.ts';
import type { RebuildOptions, RebuildResult, RollupMaintenance, RollupStatus } from '../rollup/rollup-maintenance.ts';
import { openSqlite } from './sqlite-ingest-store.ts';

type Num = number | bigint;

const KEY_COLUMNS = [
  'periodMinutes', 'periodStart', 'sourceId', 'cluster', 'upstreamHost', 'upstreamIp', 'upstreamKind', 'upstreamNamespace',
  'upstreamPod', 'upstreamService', 'status', 'responseFlags',
] as const;
const quoted = (cols: readonly string[]) => cols.map((c) => `"${c}"`).join(', ');

/** The record columns a rollup reads, for rows read back from AccessRecord. */
const ROLLUP_RECORD_COLUMNS = quoted([
  'sourceId', 'startTime', 'durationMs', 'status', 'responseFlags', 'upstreamCluster', 'upstreamHost', 'upstreamIp',
  'upstreamKind', 'upstreamNamespace', 'upstreamPod', 'upstreamService', 'upstreamAmbiguous',
]);

/** A record as the rebuild reads it back: what a rollup counts (SQLite hands booleans over as numbers). */
type RecordRow = { sourceId: number } & RollupRecord & RollupAttribution;

/**
 * The state row as the rollups migration writes it, for a database that lost it: every record so far counts as handled
 * and the whole hours they span as uncovered. Start times are epoch ms; a negative one is floored by hand.
 */
const INITIAL_STATE_SQL = `
  INSERT INTO "RollupState" ("id", "rolledThroughId", "uncoveredFrom", "uncoveredTo")
  SELECT 1, COALESCE((SELECT MAX("id") FROM "AccessRecord"), 0),
    CASE WHEN "lo" IS NULL THEN NULL ELSE ("lo" / 3600000 - CASE WHEN "lo" < 0 THEN 1 ELSE 0 END) * 60 END,
    CASE WHEN "hi" IS NULL THEN NULL ELSE ("hi" / 3600000 + 1) * 60 END
  FROM (SELECT MIN("startTime") AS "lo", MAX("startTime") AS "hi" FROM "AccessRecord")
  WHERE NOT EXISTS (SELECT 1 FROM "RollupState" WHERE "id" = 1)`;

export function hasRollupTables(db: Database.Database): boolean {
  const n = db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('RecordRollup', 'RecordRollupHour', 'RollupState')`).get() as { n: number };
  return n.n === 3;
}

/** One ingest transaction's part in the rollups: begun before its records are inserted, committed after. */
export interface RollupBatch {
  /** Add each record actually inserted (with its attribution). */
  readonly acc: RollupAccumulator;
  readonly throughBefore: number;
}

/**
 * Writes rollup deltas. Counting a record exactly once rests on RollupState.rolledThroughId: every record with an id up
 * to it is counted, none above it is (AccessRecord ids only grow, AUTOINCREMENT). Each transaction first counts the
 * records above it that something else stored (an older envoy-lens, a script), then its own, then moves it to the
 * largest id.
 */
export class SqliteRollupWriter {
  /** The row statements of each table: minute rows, then hour rows. */
  private readonly rows: { select: Database.Statement; insert: Database.Statement; update: Database.Statement }[];
  private readonly selectThrough: Database.Statement;
  private readonly selectMaxId: Database.Statement;
  private readonly selectRecordsById: Database.Statement;
  private readonly updateThrough: Database.Statement;

  constructor(private readonly db: Database.Database) {
    if (!db.prepare(`SELECT 1 FROM "RollupState" WHERE "id" = 1`).get()) db.prepare(INITIAL_STATE_SQL).run();
    this.rows = [1, HOUR_MINUTES].map((minutes) => {
      const table = rollupTable(minutes);
      return {
        select: db.prepare(`SELECT "id", "histogram" FROM ${table} WHERE ${KEY_COLUMNS.map((c) => `"${c}" = ?`).join(' AND ')}`),
        insert: db.prepare(
          `INSERT INTO ${table} (${quoted(KEY_COLUMNS)}, "records", "ambiguous", "timed", "durationSumMs", "histogram")
           VALUES (${KEY_COLUMNS.map(() => '?').join(', ')}, ?, ?, ?, ?, ?)`,
        ),
        update: db.prepare(
          `UPDATE ${table} SET "records" = "records" + ?, "ambiguous" = "ambiguous" + ?, "timed" = "timed" + ?,
             "durationSumMs" = "durationSumMs" + ?, "histogram" = ? WHERE "id" = ?`,
        ),
      };
    });
    this.selectThrough = db.prepare(`SELECT "rolledThroughId" AS "id" FROM "RollupState" WHERE "id" = 1`);
    this.selectMaxId = db.prepare(`SELECT MAX("id") AS "id" FROM "AccessRecord"`);
    this.selectRecordsById = db.prepare(`SELECT ${ROLLUP_RECORD_COLUMNS} FROM "AccessRecord" WHERE "id" > ? AND "id" <= ? AND "startTime" IS NOT NULL`);
    this.updateThrough = db.prepare(`UPDATE "RollupState" SET "rolledThroughId" = ? WHERE "id" = 1`);
  }

  private through(): number {
    const row = this.selectThrough.get() as { id: Num } | undefined;
    return row ? Number(row.id) : 0;
  }

  private maxRecordId(): number {
    return Number((this.selectMaxId.get() as { id: Num | null }).id ?? 0);
  }

  /** Before the transaction's inserts: an accumulator already holding the records nobody counted yet. */
  begin(): RollupBatch {
    const acc = new RollupAccumulator();
    const throughBefore = this.through();
    const max = this.maxRecordId();
    if (max > throughBefore) addRows(acc, this.selectRecordsById.iterate(throughBefore, max) as Iterable<RecordRow>);
    return { acc, throughBefore };
  }

  /**
   * Counts the records above the watermark in transactions of at most `maxRecords` ids each (a script may have stored
   * millions): each moves the watermark to the last id it counted.
   */
  catchUp(maxRecords: number): { records: number; transactions: number } {
    const counted = { records: 0, transactions: 0 };
    for (;;) {
      const done = this.db.transaction(() => {
        const through = this.through();
        const max = this.maxRecordId();
        if (max <= through) return null;
        const upper = Math.min(max, through + maxRecords);
        const acc = new RollupAccumulator();
        addRows(acc, this.selectRecordsById.iterate(through, upper) as Iterable<RecordRow>);
        this.write(acc.deltas());
        this.updateThrough.run(upper);
        return acc.size;
      }).immediate();
      counted.transactions++;
      if (done === null) return counted;
      counted.records += done;
    }
  }

  /** After the inserts, in the same transaction: the deltas written, the watermark moved past every record now stored. */
  commit(batch: RollupBatch): void {
    this.write(batch.acc.deltas());
    const max = this.maxRecordId();
    if (max > batch.throughBefore) this.updateThrough.run(max);
  }

  /** Adds each delta to its row (created when missing); histograms are merged here, read-modify-write. */
  write(deltas: Iterable<RollupDelta>): void {
    for (const d of deltas) {
      const key = [d.periodMinutes, d.periodStart, d.sourceId, d.cluster, d.upstreamHost, d.upstreamIp, d.upstreamKind,
        d.upstreamNamespace, d.upstreamPod, d.upstreamService, d.status, d.responseFlags];
      const table = this.rows[d.periodMinutes === HOUR_MINUTES ? 1 : 0]!;
      const row = table.select.get(key) as { id: number; histogram: string } | undefined;
      if (row) {
        const histogram = d.timed > 0 ? encodeHistogram(mergeCounts(decodeHistogram(row.histogram), d.histogram)) : row.histogram;
        table.update.run(d.records, d.ambiguous, d.timed, d.durationSumMs, histogram, row.id);
      } else {
        table.insert.run(...key, d.records, d.ambiguous, d.timed, d.durationSumMs, encodeHistogram(d.histogram));
      }
    }
  }
}

function addRows(acc: RollupAccumulator, rows: Iterable<RecordRow>): void {
  for (const r of rows) acc.add(r.sourceId, r, r);
}

// ---------------------------------------------------------------------------------------------------------------------
// Readers

/**
 * Epoch-ms ranges the rollups may miss records of, for readers to take from the records: the span of records stored
 * before rollups existed (until rebuilt), and of records stored since the last ingest transaction by something that
 * keeps no rollups. Null when the database has no rollups (not migrated yet): read the records.
 */
export function rollupGaps(db: Database.Database): Range[] | null {
  if (!hasRollupTables(db)) return null;
  const state = db.prepare(`SELECT "rolledThroughId", "uncoveredFrom", "uncoveredTo" FROM "RollupState" WHERE "id" = 1`).get() as
    | { rolledThroughId: Num; uncoveredFrom: Num | null; uncoveredTo: Num | null }
    | undefined;
  if (!state) return null;
  const gaps: Range[] = [];
  if (state.uncoveredTo !== null) {
    gaps.push([state.uncoveredFrom === null ? -Infinity : Number(state.uncoveredFrom) * MINUTE_MS, Number(state.uncoveredTo) * MINUTE_MS]);
  }
  const max = Number((db.prepare(`SELECT MAX("id") AS "id" FROM "AccessRecord"`).get() as { id: Num | null }).id ?? 0);
  if (max > Number(state.rolledThroughId)) {
    // Reads only the records above the watermark (a range of the primary key).
    const span = db.prepare(`SELECT MIN("startTime") AS "lo", MAX("startTime") AS "hi" FROM "AccessRecord" WHERE "id" > ?`).get(state.rolledThroughId) as { lo: Num | null; hi: Num | null };
    if (span.lo !== null && span.hi !== null) gaps.push([Number(span.lo), Number(span.hi) + 1]);
  }
  return gaps;
}

/**
 * The dashboard's filter over rollup rows `u` (joined to `"Source" s` when `joinSource`), without its time range;
 * null when rollups cannot answer it (see rollupsAnswer).
 */
export function rollupFilterSql(f: RecordFilter): { sql: string; params: Record<string, string | number>; joinSource: boolean } | null {
  if (!rollupsAnswer(f)) return null;
  const parts: string[] = [];
  const params: Record<string, string | number> = {};
  if (f.namespace !== undefined) (parts.push(`s."namespace" = @namespace`), (params.namespace = f.namespace));
  if (f.sourcePod !== undefined) (parts.push(`s."pod" = @sourcePod`), (params.sourcePod = f.sourcePod));
  if (f.cluster !== undefined) (parts.push(`u."cluster" = @cluster`), (params.cluster = f.cluster));
  if (f.upstream !== undefined) {
    parts.push(`(u."upstreamPod" = @upstream OR u."upstreamService" = @upstream OR u."upstreamIp" = @upstream OR u."upstreamHost" = @upstream)`);
    params.upstream = f.upstream;
  }
  // No response: status 0 or none logged (-1 here), as in the records' filter.
  if (f.statusClass === 0) parts.push(`u."status" < 100`);
  else if (f.statusClass !== undefined) (parts.push(`u."status" >= @statusFrom AND u."status" < @statusTo`), (params.statusFrom = f.statusClass * 100), (params.statusTo = f.statusClass * 100 + 100));
  return { sql: parts.length ? parts.join(' AND ') : '1 = 1', params, joinSource: f.namespace !== undefined || f.sourcePod !== undefined };
}

/**
 * Rows of one period length inside a range of epoch minutes (an infinite end is left open): `table` (its rows as `u`)
 * and the condition over them. Parameters @pFrom, @pTo.
 */
export function periodRangeSql(periodMinutes: number, range: Range): { table: string; sql: string; params: Record<string, number> } {
  // periodMinutes is the same in every row of a table; the condition lets the unique index, which leads with it, serve
  // the range of periodStart.
  const parts = [`u."periodMinutes" = ${periodMinutes === 1 ? 1 : HOUR_MINUTES}`];
  const params: Record<string, number> = {};
  if (Number.isFinite(range[0])) (parts.push(`u."periodStart" >= @pFrom`), (params.pFrom = range[0]));
  if (Number.isFinite(range[1])) (parts.push(`u."periodStart" < @pTo`), (params.pTo = range[1]));
  return { table: rollupTable(periodMinutes), sql: parts.join(' AND '), params };
}

/** Records inside a range of epoch ms (an infinite end is left open). Parameters @rFrom, @rTo. */
export function recordRangeSql(range: Range): { sql: string; params: Record<string, number> } {
  const parts: string[] = [];
  const params: Record<string, number> = {};
  if (Number.isFinite(range[0])) (parts.push(`r."startTime" >= @rFrom`), (params.rFrom = range[0]));
  if (Number.isFinite(range[1])) (parts.push(`r."startTime" < @rTo`), (params.rTo = range[1]));
  return { sql: parts.length ? parts.join(' AND ') : '1 = 1', params };
}

// ---------------------------------------------------------------------------------------------------------------------
// Rebuild

/**
 * Recomputes rollups from the records, hour by hour, each hour's sources in one transaction (or a few sources per
 * transaction for a very busy hour), so a collector writing at the same time waits for one hour's work at most and
 * readers always see an hour whole. A source's rows of an hour are deleted and counted again from its records there;
 * rows of sources with no records left in that hour (records retention pruned) are kept, as they are the only trace of
 * that traffic. Idempotent: running it again gives the same rows.
 */
export function rebuildRollups(db: Database.Database, o: RebuildOptions = {}): RebuildResult {
  const writer = new SqliteRollupWriter(db);
  const maxRecords = Math.max(1, o.maxRecordsPerTransaction ?? 200_000);
  const result: RebuildResult = { range: null, hours: 0, records: 0, transactions: 0, caughtUp: 0, coverageComplete: false, stopped: false };
  const catchUp = () => {
    const batch = writer.begin();
    result.caughtUp += batch.acc.size;
    writer.commit(batch);
  };
  const state = () => db.prepare(`SELECT "uncoveredFrom", "uncoveredTo" FROM "RollupState" WHERE "id" = 1`).get() as { uncoveredFrom: Num | null; uncoveredTo: Num | null };

  // Records stored without rollups first, in bounded transactions; each hour's transaction below counts any newer ones.
  const caught = writer.catchUp(maxRecords);
  result.caughtUp += caught.records;
  result.transactions += caught.transactions;
  const explicit = o.fromMs !== undefined || o.toMs !== undefined;
  let fromMs: number, toMs: number;
  if (explicit) {
    fromMs = Math.floor((o.fromMs ?? -8.64e15) / HOUR_MS) * HOUR_MS;
    toMs = Math.ceil((o.toMs ?? 8.64e15) / HOUR_MS) * HOUR_MS;
  } else {
    const s = state();
    if (s.uncoveredTo === null) {
      db.transaction(catchUp).immediate();
      result.transactions++;
      result.coverageComplete = true;
      return result;
    }
    fromMs = s.uncoveredFrom === null ? -8.64e15 : Number(s.uncoveredFrom) * MINUTE_MS;
    toMs = Number(s.uncoveredTo) * MINUTE_MS;
  }
  result.range = [fromMs, toMs];

  const nextRecord = db.prepare(`SELECT "startTime" FROM "AccessRecord" WHERE "startTime" >= ? AND "startTime" < ? ORDER BY "startTime" LIMIT 1`);
  const countHour = db.prepare(`SELECT COUNT(*) AS "n" FROM "AccessRecord" WHERE "startTime" >= ? AND "startTime" < ?`);
  const sourcesOfHour = db.prepare(`SELECT "sourceId", COUNT(*) AS "n" FROM "AccessRecord" WHERE "startTime" >= ? AND "startTime" < ? GROUP BY "sourceId" ORDER BY "sourceId"`);
  const shrinkUncovered = db.prepare(`UPDATE "RollupState" SET "uncoveredFrom" = ? WHERE "id" = 1`);
  const clearUncovered = db.prepare(`UPDATE "RollupState" SET "uncoveredFrom" = NULL, "uncoveredTo" = NULL WHERE "id" = 1`);

  /** One transaction: the rows of the hour of the sources with records there (of `sources` only, when given) replaced
   * by a count of those records. */
  const recomputeHour = (hourMs: number, sources: number[] | null, last: boolean): number => {
    catchUp();
    const p0 = hourMs / MINUTE_MS;
    const inSources = sources ? ` AND "sourceId" IN (${sources.map(Number).join(', ')})` : '';
    const acc = new RollupAccumulator();
    const rows = db.prepare(`SELECT ${ROLLUP_RECORD_COLUMNS} FROM "AccessRecord" WHERE "startTime" >= ? AND "startTime" < ?${inSources}`);
    addRows(acc, rows.iterate(hourMs, hourMs + HOUR_MS) as Iterable<RecordRow>);
    const deltas = acc.deltas();
    const seen = [...new Set(deltas.map((d) => d.sourceId))];
    if (seen.length) {
      for (const table of [rollupTable(1), rollupTable(HOUR_MINUTES)]) {
        db.prepare(`DELETE FROM ${table} WHERE "periodStart" >= ? AND "periodStart" < ? AND "sourceId" IN (${seen.map(Number).join(', ')})`)
          .run(p0, p0 + HOUR_MINUTES);
      }
    }
    writer.write(deltas);
    if (last && !explicit) shrinkUncovered.run(p0 + HOUR_MINUTES);
    return acc.size;
  };

  let cursor = fromMs;
  while (cursor < toMs) {
    if (o.shouldStop?.()) {
      result.stopped = true;
      return result;
    }
    const next = nextRecord.get(cursor, toMs) as { startTime: Num } | undefined;
    if (!next) break;
    const hourMs = Math.floor(Number(next.startTime) / HOUR_MS) * HOUR_MS;
    const total = Number((countHour.get(hourMs, hourMs + HOUR_MS) as { n: Num }).n);
    let records = 0;
    if (total <= maxRecords) {
      records += db.transaction(() => recomputeHour(hourMs, null, true)).immediate();
      result.transactions++;
    } else {
      // A busy hour: groups of sources, each group's rows replaced whole.
      const counts = sourcesOfHour.all(hourMs, hourMs + HOUR_MS) as { sourceId: number; n: Num }[];
      const groups: number[][] = [[]];
      let size = 0;
      for (const c of counts) {
        if (size > 0 && size + Number(c.n) > maxRecords) (groups.push([]), (size = 0));
        groups.at(-1)!.push(c.sourceId);
        size += Number(c.n);
      }
      groups.forEach((g, i) => {
        records += db.transaction(() => recomputeHour(hourMs, g, i === groups.length - 1)).immediate();
        result.transactions++;
      });
    }
    result.hours++;
    result.records += records;
    o.onHour?.({ hourStartMs: hourMs, records });
    cursor = hourMs + HOUR_MS;
  }
  if (!explicit) {
    db.transaction(() => {
      catchUp();
      clearUncovered.run();
    }).immediate();
    result.transactions++;
    result.coverageComplete = true;
  } else {
    result.coverageComplete = state().uncoveredTo === null;
  }
  return result;
}

export function rollupStatus(db: Database.Database): RollupStatus | null {
  if (!hasRollupTables(db)) return null;
  const rowsOf = (minutes: number) => Number((db.prepare(`SELECT COUNT(*) AS "n" FROM ${rollupTable(minutes)}`).get() as { n: Num }).n);
  const s = db.prepare(`SELECT "rolledThroughId", "uncoveredFrom", "uncoveredTo" FROM "RollupState" WHERE "id" = 1`).get() as
    | { rolledThroughId: Num; uncoveredFrom: Num | null; uncoveredTo: Num | null }
    | undefined;
  const through = s ? s.rolledThroughId : 0;
  const uncounted = Number((db.prepare(`SELECT COUNT(*) AS "n" FROM "AccessRecord" WHERE "id" > ?`).get(through) as { n: Num }).n);
  return {
    minuteRows: rowsOf(1),
    hourRows: rowsOf(HOUR_MINUTES),
    uncovered: s?.uncoveredTo != null ? [s.uncoveredFrom === null ? -Infinity : Number(s.uncoveredFrom) * MINUTE_MS, Number(s.uncoveredTo) * MINUTE_MS] : null,
    uncounted,
  };
}

export class SqliteRollupMaintenance implements RollupMaintenance {
  private readonly db: Database.Database;

  constructor(databaseUrl: string) {
    this.db = openSqlite(databaseUrl);
  }

  async status(): Promise<RollupStatus | null> {
    return rollupStatus(this.db);
  }

  async rebuild(o: RebuildOptions = {}): Promise<RebuildResult> {
    return rebuildRollups(this.db, o);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
