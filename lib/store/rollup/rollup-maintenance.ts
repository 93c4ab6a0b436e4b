// Looking after the rollups outside ingest: how complete they are, and recomputing periods from the records (a
// database migrated before rollups existed, or records changed by hand). Behind one interface so each database does
// it in its own SQL; `envoy-lens rollups` drives it.
import { databaseKind } from '../database-url.ts';
import type { Range } from './rollup-plan.ts';

export interface RollupStatus {
  minuteRows: number;
  hourRows: number;
  /** Epoch ms, whole hours, whose records stored before rollups existed are not counted yet; null: none. */
  uncovered: Range | null;
  /** Records something that keeps no rollups stored since the last ingest transaction (the next one counts them). */
  uncounted: number;
}

export interface RebuildOptions {
  /** Recompute the hours overlapping [fromMs, toMs); without both, the uncovered hours. */
  fromMs?: number;
  toMs?: number;
  /** An hour holding more records than this is recomputed a few sources per transaction (default 200,000). */
  maxRecordsPerTransaction?: number;
  onHour?: (p: { hourStartMs: number; records: number }) => void;
  /** Checked between transactions: stop early (what was done stays done; run again to finish). */
  shouldStop?: () => boolean;
}

export interface RebuildResult {
  /** The range worked on, epoch ms (whole hours); null when nothing was uncovered and none was given. */
  range: Range | null;
  hours: number;
  records: number;
  transactions: number;
  /** Records something else had stored without rollups, counted on the way. */
  caughtUp: number;
  /** No uncovered hour is left. */
  coverageComplete: boolean;
  stopped: boolean;
}

export interface RollupMaintenance {
  /** Null when the database has no rollup tables (not migrated). */
  status(): Promise<RollupStatus | null>;
  /**
   * Recomputes rollups from the records, hour by hour, each hour in its own transaction(s); idempotent. Rows of sources
   * with no records left in an hour (records retention pruned) are kept.
   */
  rebuild(o?: RebuildOptions): Promise<RebuildResult>;
  close(): Promise<void>;
}

/** Opens the rollup maintenance of a migrated database. */
export async function openRollupMaintenance(databaseUrl: string): Promise<RollupMaintenance> {
  if (databaseKind(databaseUrl) === 'postgresql') return new (await import('../postgres/postgres-rollup-maintenance.ts')).PostgresRollupMaintenance(databaseUrl);
  const { SqliteRollupMaintenance } = await import('../sqlite/sqlite-rollups.ts');
  return new SqliteRollupMaintenance(databaseUrl);
}
