// Retention inside the collector process: a prune once at start and then every `everyMs` (10 minutes by default),
// in the batches lib/store/retention-store.ts paces so the collector's own commits keep flowing between them. Each
// run opens its own connection. Failures are logged (once per distinct message), never thrown.
import {
  formatRetention, openRetentionStore, prune, type PruneOptions, type PruneResult, type RetentionPolicy, type RetentionStore,
} from '../store/retention-store.ts';
import { openRollupMaintenance, type RollupMaintenance } from '../store/rollup/rollup-maintenance.ts';

export interface RetentionLoopOptions {
  policy: RetentionPolicy;
  everyMs?: number;
  log?: (line: string) => void;
  /** Batch pacing, for tests. */
  prune?: Omit<PruneOptions, 'dryRun' | 'signal' | 'now'>;
  /** Opens the store (tests count statements through it). */
  open?: (databaseUrl: string) => Promise<RetentionStore>;
  /** Opens the rollups, so records they have not counted are counted before any is pruned; null: not (a fake store). */
  openRollups?: ((databaseUrl: string) => Promise<RollupMaintenance>) | null;
}

export interface RetentionLoop {
  /** Resolves after the next run that starts from now has finished (for tests and `--once` style callers). */
  runNow(): Promise<PruneResult | undefined>;
  /** The last run's result. */
  readonly last?: PruneResult;
  /** Stops between two batches of a run under way, and no more runs start. */
  stop(): Promise<void>;
}

export const RETENTION_EVERY_MS = 10 * 60_000;

/** True when the policy deletes nothing at all, so no loop is needed. */
export const keepsEverything = (p: RetentionPolicy) => p.records === null && p.minuteRollups === null && p.hourRollups === null;

export function startRetentionLoop(databaseUrl: string, o: RetentionLoopOptions): RetentionLoop {
  const everyMs = o.everyMs ?? RETENTION_EVERY_MS;
  const log = o.log ?? (() => {});
  const stopping = new AbortController();
  let current: Promise<PruneResult | undefined> = Promise.resolve(undefined);
  let timer: NodeJS.Timeout | undefined;
  let lastError = '';
  const loop: { -readonly [K in keyof RetentionLoop]: RetentionLoop[K] } = {
    runNow: () => schedule(),
    stop: async () => {
      stopping.abort();
      clearTimeout(timer);
      await current;
    },
  };

  const runOnce = async (): Promise<PruneResult | undefined> => {
    if (stopping.signal.aborted) return undefined;
    let store: RetentionStore | undefined;
    let rollups: RollupMaintenance | undefined;
    try {
      store = await (o.open ?? openRetentionStore)(databaseUrl);
      const openRollups = o.openRollups === undefined ? openRollupMaintenance : o.openRollups;
      rollups = openRollups ? await openRollups(databaseUrl) : undefined;
      const result = await prune(store, o.policy, { ...o.prune, signal: stopping.signal, rollups });
      if (result.rolledUp?.records) log(`retention: counted ${result.rolledUp.records} records into the rollups before pruning`);
      loop.last = result;
      lastError = '';
      const deleted = result.steps.filter((s) => s.rows > 0);
      if (deleted.length) {
        const byTable = new Map<string, number>();
        for (const s of deleted) byTable.set(s.table, (byTable.get(s.table) ?? 0) + s.rows);
        log(`retention: deleted ${[...byTable].map(([t, n]) => `${n} ${t}`).join(', ')} (records kept ${formatRetention(o.policy.records)}, minute rollups ${formatRetention(o.policy.minuteRollups)}, hour rollups ${formatRetention(o.policy.hourRollups)}; longest batch ${Math.round(result.longestBatchMs)} ms)`);
      }
      return result;
    } catch (err) {
      const message = `retention failed: ${(err as Error).message}`;
      if (message !== lastError) log(message);
      lastError = message;
      return undefined;
    } finally {
      await store?.close().catch(() => undefined);
      await rollups?.close().catch(() => undefined);
    }
  };

  function schedule(): Promise<PruneResult | undefined> {
    clearTimeout(timer);
    const run = current.then(runOnce);
    current = run.then((r) => {
      clearTimeout(timer);
      if (!stopping.signal.aborted) {
        timer = setTimeout(() => void schedule(), everyMs);
        timer.unref();
      }
      return r;
    });
    return current;
  }

  void schedule();
  return loop;
}
