// PostgreSQL side of retention: the same steps as the SQLite store (see PruneStep in ../retention-store.ts), one count
// and one bounded DELETE each, every DELETE its own transaction. DateTime columns are timestamps here: the cutoff
// travels as epoch ms and is turned into a constant timestamp in SQL, so the column's index serves the range.
import type pg from 'pg';
import type { PruneStep, RetentionStore } from '../retention-store.ts';
import { openPool, tsOf } from './pg-sql.ts';

interface StepSql {
  table: string;
  columns: string[];
  /** Selects the rows to delete; `$1` is the cutoff as `param` makes it. */
  where: string;
  order: string;
  param(cutoffMs: number): number;
}

const asMs = (cutoffMs: number) => Math.floor(cutoffMs);
/** RecordRollup(Hour).periodStart is in epoch minutes. */
const minuteOf = (cutoffMs: number) => Math.floor(cutoffMs / 60_000);
const before = (column: string) => `"${column}" < ${tsOf('$1')}`;

const RETENTION_SQL: Record<PruneStep, StepSql> = {
  records: { table: 'AccessRecord', columns: ['startTime'], where: before('startTime'), order: `"startTime"`, param: asMs },
  recordsWithoutStart: { table: 'AccessRecord', columns: ['startTime', 'logTime'], where: `"startTime" IS NULL AND ${before('logTime')}`, order: `"id"`, param: asMs },
  rejected: { table: 'RejectedLine', columns: ['createdAt'], where: before('createdAt'), order: `"createdAt"`, param: asMs },
  gaps: { table: 'IngestGap', columns: ['createdAt'], where: before('createdAt'), order: `"createdAt"`, param: asMs },
  podIps: { table: 'PodIp', columns: ['toTime'], where: before('toTime'), order: `"id"`, param: asMs },
  serviceIps: { table: 'ServiceIp', columns: ['toTime'], where: before('toTime'), order: `"id"`, param: asMs },
  endpoints: { table: 'EndpointMember', columns: ['toTime'], where: before('toTime'), order: `"id"`, param: asMs },
  kubeObjects: { table: 'KubeObject', columns: ['deletedAt'], where: before('deletedAt'), order: `"id"`, param: asMs },
  // A minute goes once it has ended by the cutoff, an hour once it started at least 60 minutes before it.
  minuteRollups: { table: 'RecordRollup', columns: ['periodStart', 'periodMinutes'], where: `"periodMinutes" = 1 AND "periodStart" < $1`, order: `"periodStart"`, param: minuteOf },
  hourRollups: { table: 'RecordRollupHour', columns: ['periodStart', 'periodMinutes'], where: `"periodMinutes" = 60 AND "periodStart" <= $1`, order: `"periodStart"`, param: (ms) => minuteOf(ms) - 60 },
};

export class PostgresRetentionStore implements RetentionStore {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = openPool(databaseUrl, 1);
  }

  async hasTable(step: PruneStep): Promise<boolean> {
    const { table, columns } = RETENTION_SQL[step];
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT column_name AS "name" FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, [table]);
    const present = new Set(rows.map((r) => r.name));
    return columns.every((c) => present.has(c));
  }

  async countOlder(step: PruneStep, cutoffMs: number): Promise<number> {
    const s = RETENTION_SQL[step];
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS "n" FROM "${s.table}" WHERE ${s.where}`, [s.param(cutoffMs)]);
    return Number(rows[0]!.n);
  }

  async deleteOlder(step: PruneStep, cutoffMs: number, limit: number): Promise<number> {
    const s = RETENTION_SQL[step];
    const result = await this.pool.query(
      `DELETE FROM "${s.table}" WHERE "id" IN (SELECT "id" FROM "${s.table}" WHERE ${s.where} ORDER BY ${s.order} LIMIT $2)`,
      [s.param(cutoffMs), Math.max(1, Math.floor(limit))],
    );
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
