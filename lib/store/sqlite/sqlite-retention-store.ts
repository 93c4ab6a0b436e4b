// SQLite side of retention: one count and one bounded DELETE per kind of row (see PruneStep in ../retention-store.ts).
// Each DELETE is a statement of its own, so its own transaction: it picks at most `limit` ids by the column that
// dates the rows (indexed where the table is large), oldest first, and deletes those. Timestamps are epoch ms here.
import type Database from 'better-sqlite3';
import type { PruneStep, RetentionStore } from '../retention-store.ts';
import { openSqlite } from './sqlite-ingest-store.ts';

interface StepSql {
  table: string;
  /** Columns the step needs, checked before it runs (a database migrated before the table or column came). */
  columns: string[];
  /** Selects the rows to delete; one parameter, the cutoff as `param` makes it. */
  where: string;
  order: string;
  param(cutoffMs: number): number;
}

const asMs = (cutoffMs: number) => cutoffMs;
/** RecordRollup(Hour).periodStart is in epoch minutes. */
const minuteOf = (cutoffMs: number) => Math.floor(cutoffMs / 60_000);

export const RETENTION_SQL: Record<PruneStep, StepSql> = {
  // AccessRecord_startTime_idx serves both the filter and the order.
  records: { table: 'AccessRecord', columns: ['startTime'], where: `"startTime" < ?`, order: `"startTime"`, param: asMs },
  // The same index finds the NULLs; only those rows are then read for logTime.
  recordsWithoutStart: { table: 'AccessRecord', columns: ['startTime', 'logTime'], where: `"startTime" IS NULL AND "logTime" < ?`, order: `"id"`, param: asMs },
  rejected: { table: 'RejectedLine', columns: ['createdAt'], where: `"createdAt" < ?`, order: `"createdAt"`, param: asMs },
  gaps: { table: 'IngestGap', columns: ['createdAt'], where: `"createdAt" < ?`, order: `"createdAt"`, param: asMs },
  // Small tables (one row per pod IP, Service IP or endpoint range): no index on toTime is worth its upkeep. NULL
  // (still open) never compares as less.
  podIps: { table: 'PodIp', columns: ['toTime'], where: `"toTime" < ?`, order: `"id"`, param: asMs },
  serviceIps: { table: 'ServiceIp', columns: ['toTime'], where: `"toTime" < ?`, order: `"id"`, param: asMs },
  endpoints: { table: 'EndpointMember', columns: ['toTime'], where: `"toTime" < ?`, order: `"id"`, param: asMs },
  kubeObjects: { table: 'KubeObject', columns: ['deletedAt'], where: `"deletedAt" < ?`, order: `"id"`, param: asMs },
  // A period goes once it has ended by the cutoff: a minute starting before the cutoff's minute, an hour starting at
  // least 60 minutes before it.
  minuteRollups: {
    table: 'RecordRollup', columns: ['periodStart', 'periodMinutes'], where: `"periodMinutes" = 1 AND "periodStart" < ?`, order: `"periodStart"`, param: minuteOf,
  },
  hourRollups: {
    table: 'RecordRollupHour', columns: ['periodStart', 'periodMinutes'], where: `"periodMinutes" = 60 AND "periodStart" <= ?`, order: `"periodStart"`, param: (ms) => minuteOf(ms) - 60,
  },
};

export class SqliteRetentionStore implements RetentionStore {
  private readonly db: Database.Database;
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(databaseUrl: string) {
    this.db = openSqlite(databaseUrl);
  }

  private statement(sql: string): Database.Statement {
    let s = this.prepared.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.prepared.set(sql, s);
    }
    return s;
  }

  async hasTable(step: PruneStep): Promise<boolean> {
    const { table, columns } = RETENTION_SQL[step];
    // table_info of a missing table is empty; asked every run, since a migration may add the table meanwhile.
    const present = new Set((this.db.prepare(`SELECT "name" FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name));
    return columns.every((c) => present.has(c));
  }

  async countOlder(step: PruneStep, cutoffMs: number): Promise<number> {
    const s = RETENTION_SQL[step];
    const row = this.statement(`SELECT count(*) AS "n" FROM "${s.table}" WHERE ${s.where}`).get(s.param(cutoffMs)) as { n: number };
    return Number(row.n);
  }

  async deleteOlder(step: PruneStep, cutoffMs: number, limit: number): Promise<number> {
    const s = RETENTION_SQL[step];
    const sql = `DELETE FROM "${s.table}" WHERE "id" IN (SELECT "id" FROM "${s.table}" WHERE ${s.where} ORDER BY ${s.order} LIMIT ?)`;
    return this.statement(sql).run(s.param(cutoffMs), limit).changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
