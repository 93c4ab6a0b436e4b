// envoy-lens prune [--dry-run]: deletes once what the retention settings no longer keep (the collector does the same
// every ten minutes), and prints per table what it deleted, or would. Also the --retain-* flags that `collect` and
// `serve --collect` share with it.
import type { Command } from 'commander';
import { loadSettings } from '../settings.ts';
import { redact } from '../store/database-url.ts';
import { openRollupMaintenance } from '../store/rollup/rollup-maintenance.ts';
import { deployMigrations } from '../store/migrate.ts';
import {
  formatRetention, openRetentionStore, parseRetention, prune, RETENTION_NAMES, RetentionValueError, type PruneResult, type RetentionPolicy,
} from '../store/retention-store.ts';
import { UsageError } from './usage-error.ts';

export interface RetentionFlags {
  retainRecords?: string;
  retainMinuteRollups?: string;
  retainHourRollups?: string;
}

const FLAG_KEYS: Record<keyof RetentionPolicy, keyof RetentionFlags> = {
  records: 'retainRecords', minuteRollups: 'retainMinuteRollups', hourRollups: 'retainHourRollups',
};

/** Declares --retain-records, --retain-minute-rollups, --retain-hour-rollups on a command. */
export function addRetentionOptions(command: Command, prefix = ''): Command {
  const env = (k: keyof RetentionPolicy) => `$${RETENTION_NAMES[k].env}`;
  return command
    .option(`${RETENTION_NAMES.records.flag} <duration>`, `${prefix}how long raw records are kept: 90m, 36h, 7d, or 0 / off for ever (default: ${env('records')} or 7d)`)
    .option(`${RETENTION_NAMES.minuteRollups.flag} <duration>`, `${prefix}how long per-minute rollups are kept (default: ${env('minuteRollups')} or 30d)`)
    .option(`${RETENTION_NAMES.hourRollups.flag} <duration>`, `${prefix}how long per-hour rollups are kept (default: ${env('hourRollups')} or 400d)`);
}

/** The retention flags given, each over the environment's value (or the default). Throws UsageError on a bad value. */
export function retentionFromFlags(flags: RetentionFlags, base: RetentionPolicy): RetentionPolicy {
  const policy = { ...base };
  for (const key of Object.keys(FLAG_KEYS) as (keyof RetentionPolicy)[]) {
    const value = flags[FLAG_KEYS[key]];
    if (value === undefined) continue;
    try {
      policy[key] = parseRetention(RETENTION_NAMES[key].flag, value);
    } catch (err) {
      if (err instanceof RetentionValueError) throw new UsageError(err.message);
      throw err;
    }
  }
  return policy;
}

/** The retention flags present in `flags` (for "applies with --collect only"). */
export function givenRetentionFlags(flags: RetentionFlags): string[] {
  return (Object.keys(FLAG_KEYS) as (keyof RetentionPolicy)[]).filter((k) => flags[FLAG_KEYS[k]] !== undefined).map((k) => RETENTION_NAMES[k].flag);
}

export function policyText(p: RetentionPolicy): string {
  return `records kept ${formatRetention(p.records)}, minute rollups ${formatRetention(p.minuteRollups)}, hour rollups ${formatRetention(p.hourRollups)}`;
}

/** One line per table: rows deleted (or that would be) and the cutoff. */
export function pruneReport(result: PruneResult, policy: RetentionPolicy): string[] {
  const tables = new Map<string, { rows: number; cutoffMs: number | null; skipped?: string; batches: number }>();
  for (const s of result.steps) {
    const t = tables.get(s.table);
    if (t) {
      t.rows += s.rows;
      t.batches += s.batches;
    } else tables.set(s.table, { rows: s.rows, cutoffMs: s.cutoffMs, batches: s.batches, ...(s.skipped ? { skipped: s.skipped } : {}) });
  }
  const width = Math.max(...[...tables.keys()].map((k) => k.length));
  const verb = result.dryRun ? 'would delete' : 'deleted';
  const lines = [`${result.dryRun ? 'dry run, nothing deleted' : 'pruned'} (${policyText(policy)}):`];
  for (const [table, t] of tables) {
    const name = table.padEnd(width);
    if (t.skipped) lines.push(`  ${name}  skipped: ${t.skipped}`);
    else lines.push(`  ${name}  ${verb} ${t.rows}  (dated before ${new Date(t.cutoffMs!).toISOString()})`);
  }
  const r = result.rolledUp;
  if (r?.dryRun) {
    const what = [r.hours ? `${r.hours} hours of records stored before rollups existed` : '', r.records ? `${r.records} records stored without them` : ''];
    lines.push(`first: would count into the rollups ${what.filter(Boolean).join(' and ')}`);
  } else if (r) {
    lines.push(`first: counted ${r.records} records into the rollups${r.hours ? ` (${r.hours} hours recomputed)` : ''}, so long-range charts keep them`);
  }
  const total = result.steps.reduce((n, s) => n + s.rows, 0);
  if (result.dryRun) lines.push(`total: would delete ${total} rows`);
  else lines.push(`total: deleted ${total} rows in ${result.steps.reduce((n, s) => n + s.batches, 0)} transactions; longest ${Math.round(result.longestBatchMs)} ms`);
  return lines;
}

export async function runPrune(databaseUrl: string, policy: RetentionPolicy, o: { dryRun: boolean; now?: number }, log: (line: string) => void): Promise<PruneResult> {
  await deployMigrations(databaseUrl);
  const store = await openRetentionStore(databaseUrl);
  const rollups = await openRollupMaintenance(databaseUrl);
  try {
    const result = await prune(store, policy, { dryRun: o.dryRun, rollups, ...(o.now !== undefined ? { now: o.now } : {}) });
    log(`database ${redact(databaseUrl)}`);
    for (const line of pruneReport(result, policy)) log(line);
    return result;
  } finally {
    await Promise.all([store.close(), rollups.close()]);
  }
}

/** Adds `envoy-lens prune` to the program. */
export function registerPruneCommand(program: Command, databaseUrl: (option: string | undefined) => string): void {
  addRetentionOptions(
    program
      .command('prune')
      .description('delete, once, the records and rollups older than their retention (a running collector does this every 10 minutes)')
      .option('--db <url>', 'database URL (default: $DATABASE_URL or file:./data/envoy-lens.db)')
      .option('--dry-run', 'only count what would be deleted'),
  ).action(async (opts: RetentionFlags & { db?: string; dryRun?: boolean }) => {
    const policy = retentionFromFlags(opts, loadSettings().retention);
    await runPrune(databaseUrl(opts.db), policy, { dryRun: Boolean(opts.dryRun) }, (line) => console.log(line));
  });
}
