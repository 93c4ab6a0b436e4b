// Retention: raw records are kept for a while, the per-minute and per-hour rollups longer, and what only served the
// records (rejected lines, gaps, ended IP and endpoint ranges, deleted Kubernetes objects) goes with them. Sources and
// their checkpoints stay (small, and a collector resumes from them); findings are never pruned.
//
// Deletion runs in bounded batches, each its own short transaction, with a pause after each one at least as long as
// the batch took, so a collector writing to the same database waits for at most one batch and gets the lock at least
// half of the time. Each database implements the few statements of RetentionStore; the batching is here, shared.
import { databaseKind } from './database-url.ts';
import type { RollupMaintenance } from './rollup/rollup-maintenance.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long each kind of row is kept, in ms; null keeps it forever. */
export interface RetentionPolicy {
  records: number | null;
  minuteRollups: number | null;
  hourRollups: number | null;
}

export const DEFAULT_RETENTION: RetentionPolicy = { records: 7 * DAY, minuteRollups: 30 * DAY, hourRollups: 400 * DAY };

/** What each retention setting is called on the command line and in the environment. */
export const RETENTION_NAMES = {
  records: { flag: '--retain-records', env: 'ENVOY_LENS_RETAIN_RECORDS' },
  minuteRollups: { flag: '--retain-minute-rollups', env: 'ENVOY_LENS_RETAIN_MINUTE_ROLLUPS' },
  hourRollups: { flag: '--retain-hour-rollups', env: 'ENVOY_LENS_RETAIN_HOUR_ROLLUPS' },
} as const;

export class RetentionValueError extends Error {
  override name = 'RetentionValueError';
}

const UNITS: Record<string, number> = { m: MINUTE, h: HOUR, d: DAY };
/** Ten years and a bit: anything longer is a typo, and "off" says forever. */
const MAX_RETENTION = 3660 * DAY;

/**
 * A retention period as written by a user: a whole number of minutes, hours or days (`90m`, `36h`, `7d`), or `0` /
 * `off` to keep forever (null). `name` (a flag or variable) leads the error message for anything else.
 */
export function parseRetention(name: string, value: string): number | null {
  const text = value.trim().toLowerCase();
  if (text === '0' || text === 'off') return null;
  const m = /^(\d{1,7})([mhd])$/.exec(text);
  const ms = m ? Number(m[1]) * UNITS[m[2]!]! : NaN;
  if (!m || ms === 0 || ms > MAX_RETENTION) {
    const why = m && ms === 0 ? ' (to keep forever, say 0 or off)' : m ? ' (at most 3660d; to keep forever, say off)' : '';
    throw new RetentionValueError(`${name} "${value}": expected a whole number of minutes, hours or days (90m, 36h, 7d), or 0 / off to keep forever${why}`);
  }
  return ms;
}

/** The shortest text parseRetention reads back as the same period. */
export function formatRetention(ms: number | null): string {
  if (ms === null) return 'off';
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  return `${Math.round(ms / MINUTE)}m`;
}

/**
 * One kind of row retention deletes. Each is selected by the time that dates it (an indexed column where the table is
 * large), compared with a cutoff in epoch ms:
 * - records: AccessRecord started before the records cutoff;
 * - recordsWithoutStart: AccessRecord whose format has no START_TIME, by the kubelet's timestamp (logTime); a record
 *   with neither is kept, nothing says when it happened;
 * - rejected / gaps: RejectedLine and IngestGap created before the records cutoff;
 * - podIps / serviceIps / endpoints: PodIp, ServiceIp, EndpointMember ranges that ended before the records cutoff
 *   (they attribute records, and no record kept is that old); open ranges stay;
 * - kubeObjects: KubeObject rows marked deleted before the records cutoff;
 * - minuteRollups / hourRollups: RecordRollup minutes and RecordRollupHour hours that ended by their own cutoff.
 */
export type PruneStep =
  | 'records' | 'recordsWithoutStart' | 'rejected' | 'gaps' | 'podIps' | 'serviceIps' | 'endpoints' | 'kubeObjects'
  | 'minuteRollups' | 'hourRollups';

interface StepInfo {
  step: PruneStep;
  /** The table, as printed. */
  table: string;
  policy: keyof RetentionPolicy;
  what: string;
}

export const PRUNE_STEPS: readonly StepInfo[] = [
  { step: 'records', table: 'AccessRecord', policy: 'records', what: 'records that started before' },
  { step: 'recordsWithoutStart', table: 'AccessRecord', policy: 'records', what: 'records without a start time, logged before' },
  { step: 'rejected', table: 'RejectedLine', policy: 'records', what: 'rejected lines stored before' },
  { step: 'gaps', table: 'IngestGap', policy: 'records', what: 'gaps recorded before' },
  { step: 'podIps', table: 'PodIp', policy: 'records', what: 'pod IP ranges that ended before' },
  { step: 'serviceIps', table: 'ServiceIp', policy: 'records', what: 'Service IP ranges that ended before' },
  { step: 'endpoints', table: 'EndpointMember', policy: 'records', what: 'endpoint ranges that ended before' },
  { step: 'kubeObjects', table: 'KubeObject', policy: 'records', what: 'Kubernetes objects deleted before' },
  { step: 'minuteRollups', table: 'RecordRollup', policy: 'minuteRollups', what: 'minute rollups of minutes that ended by' },
  { step: 'hourRollups', table: 'RecordRollupHour', policy: 'hourRollups', what: 'hour rollups of hours that ended by' },
];

export interface RetentionStore {
  /** False when the step's table is not in this database (a schema older than the step). */
  hasTable(step: PruneStep): Promise<boolean>;
  /** Rows the step would delete at this cutoff (epoch ms). */
  countOlder(step: PruneStep, cutoffMs: number): Promise<number>;
  /** Deletes, in one transaction, at most `limit` of those rows, oldest first; returns how many it deleted. */
  deleteOlder(step: PruneStep, cutoffMs: number, limit: number): Promise<number>;
  close(): Promise<void>;
}

/** Opens the retention side of an existing, migrated database. */
export async function openRetentionStore(databaseUrl: string): Promise<RetentionStore> {
  if (databaseKind(databaseUrl) === 'postgresql') {
    const { PostgresRetentionStore } = await import('./postgres/postgres-retention-store.ts');
    return new PostgresRetentionStore(databaseUrl);
  }
  const { SqliteRetentionStore } = await import('./sqlite/sqlite-retention-store.ts');
  return new SqliteRetentionStore(databaseUrl);
}

export interface PruneOptions {
  /** Count only. */
  dryRun?: boolean;
  now?: number;
  /** Most rows per transaction (default 5,000). */
  maxBatch?: number;
  /** A batch taking longer than this shrinks the next one (default 50 ms). */
  targetBatchMs?: number;
  /** The least pause between batches; the pause is at least as long as the batch was, too (default 10 ms). */
  pauseMs?: number;
  /** Stops between batches (the collector is stopping). */
  signal?: AbortSignal;
  /** Called after every batch, for tests and progress. */
  onBatch?: (b: { step: PruneStep; rows: number; ms: number }) => void;
  /**
   * The database's rollups: records not counted in them yet (stored before rollups existed, or by something that keeps
   * none) are counted first, so the charts of long ranges keep them once the records are gone.
   */
  rollups?: RollupMaintenance;
}

export interface PruneStepResult {
  step: PruneStep;
  table: string;
  what: string;
  /** Null where the policy keeps forever. */
  cutoffMs: number | null;
  keptFor: string;
  /** Rows deleted, or with dryRun the rows that would be. */
  rows: number;
  batches: number;
  /** Why the step did nothing: kept forever, or the table is missing. */
  skipped?: 'kept forever' | 'no such table';
}

export interface PruneResult {
  dryRun: boolean;
  steps: PruneStepResult[];
  /** Longest single batch, ms. */
  longestBatchMs: number;
  /** Stopped by the signal before every step was done. */
  aborted: boolean;
  /** Records counted into the rollups before any was deleted (see PruneOptions.rollups); a dry run says how many
   * hours would be. */
  rolledUp?: { hours: number; records: number; dryRun: boolean };
}

/** Cutoff of a step: rows dated before it go. Rollups are compared as whole periods (see the SQLite store). */
export function cutoffOf(policy: RetentionPolicy, info: Pick<StepInfo, 'policy'>, now: number): number | null {
  const keep = policy[info.policy];
  return keep === null ? null : now - keep;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Deletes (or counts) what the policy no longer keeps, step by step, in bounded batches with pauses between them. */
export async function prune(store: RetentionStore, policy: RetentionPolicy, o: PruneOptions = {}): Promise<PruneResult> {
  const now = o.now ?? Date.now();
  const maxBatch = Math.max(1, o.maxBatch ?? 5000);
  const targetMs = o.targetBatchMs ?? 50;
  const pauseMs = o.pauseMs ?? 10;
  const result: PruneResult = { dryRun: Boolean(o.dryRun), steps: [], longestBatchMs: 0, aborted: false };
  if (o.rollups) {
    const recordsCutoff = cutoffOf(policy, { policy: 'records' }, now);
    const status = recordsCutoff === null ? null : await o.rollups.status();
    if (status && recordsCutoff !== null && (status.uncounted > 0 || (status.uncovered !== null && status.uncovered[0] < recordsCutoff))) {
      if (o.dryRun) {
        const hours = status.uncovered ? Math.round((status.uncovered[1] - status.uncovered[0]) / 3_600_000) : 0;
        result.rolledUp = { hours, records: status.uncounted, dryRun: true };
      } else {
        const r = await o.rollups.rebuild({ shouldStop: () => Boolean(o.signal?.aborted) });
        result.rolledUp = { hours: r.hours, records: r.records + r.caughtUp, dryRun: false };
        if (r.stopped) {
          // Stopped before every hour was counted: no record is deleted this time.
          result.aborted = true;
          return result;
        }
      }
    }
  }
  let size = Math.min(maxBatch, 1000);
  /** How long the previous batch took; null before the first. */
  let lastMs: number | null = null;
  for (const info of PRUNE_STEPS) {
    const cutoffMs = cutoffOf(policy, info, now);
    const r: PruneStepResult = { step: info.step, table: info.table, what: info.what, cutoffMs, keptFor: formatRetention(policy[info.policy]), rows: 0, batches: 0 };
    result.steps.push(r);
    if (cutoffMs === null) {
      r.skipped = 'kept forever';
      continue;
    }
    if (!(await store.hasTable(info.step))) {
      r.skipped = 'no such table';
      continue;
    }
    if (o.dryRun) {
      r.rows = await store.countOlder(info.step, cutoffMs);
      continue;
    }
    for (;;) {
      // The writer's turn: at least as long as the last batch held the lock.
      if (lastMs !== null) await sleep(Math.max(pauseMs, lastMs), o.signal);
      if (o.signal?.aborted) {
        result.aborted = true;
        return result;
      }
      const started = performance.now();
      const deleted = await store.deleteOlder(info.step, cutoffMs, size);
      const ms = performance.now() - started;
      lastMs = ms;
      r.rows += deleted;
      r.batches++;
      result.longestBatchMs = Math.max(result.longestBatchMs, ms);
      o.onBatch?.({ step: info.step, rows: deleted, ms });
      const full = deleted === size;
      // Keep each transaction near the target: halve after a slow batch, grow after a quick one.
      if (ms > targetMs) size = Math.max(Math.min(50, maxBatch), Math.floor(size / 2));
      else if (ms < targetMs / 2) size = Math.min(maxBatch, size * 2);
      if (!full) break;
    }
  }
  return result;
}
