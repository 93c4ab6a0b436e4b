// envoy-lens rollups [--rebuild [--since T] [--until T]]: how complete the per-minute and per-hour rollups are, and
// recomputing them from the records: the hours a database held before rollups existed (charts read those from the
// records until then, correct but slower), or a range given, after records were changed by hand.
import type { Command } from 'commander';
import { redact } from '../store/database-url.ts';
import { deployMigrations } from '../store/migrate.ts';
import { openRollupMaintenance, type RebuildResult, type RollupStatus } from '../store/rollup/rollup-maintenance.ts';
import { parseTimeOption } from './time-option.ts';
import { UsageError } from './usage-error.ts';

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : 'the beginning');
const count = (n: number) => n.toLocaleString('en-US');

export function statusLines(s: RollupStatus): string[] {
  return [
    `rollup rows: ${count(s.minuteRows)} per minute, ${count(s.hourRows)} per hour`,
    s.uncovered
      ? `not rolled up yet: records stored before rollups existed, ${iso(s.uncovered[0])} to ${iso(s.uncovered[1])} (charts read them from the records; run envoy-lens rollups --rebuild)`
      : 'every stored record with a start time is rolled up',
    ...(s.uncounted > 0 ? [`${count(s.uncounted)} records stored by something that keeps no rollups (an older envoy-lens?): the next ingest, or --rebuild, counts them`] : []),
  ];
}

export function rebuildLines(r: RebuildResult): string[] {
  const lines: string[] = [];
  if (r.range) lines.push(`rebuilt ${count(r.hours)} hour${r.hours === 1 ? '' : 's'} with records between ${iso(r.range[0])} and ${iso(r.range[1])}: ${count(r.records)} records in ${count(r.transactions)} transactions`);
  else lines.push('nothing to rebuild: no hour is uncovered');
  if (r.caughtUp > 0) lines.push(`counted ${count(r.caughtUp)} records stored without rollups`);
  if (r.stopped) lines.push('stopped before the end: run it again to finish (what was done stays done)');
  else if (r.coverageComplete) lines.push('every stored record with a start time is rolled up');
  return lines;
}

export async function runRollups(databaseUrl: string, o: { rebuild: boolean; fromMs?: number; toMs?: number; signal?: AbortSignal }, log: (line: string) => void): Promise<RebuildResult | null> {
  await deployMigrations(databaseUrl);
  const m = await openRollupMaintenance(databaseUrl);
  try {
    log(`database ${redact(databaseUrl)}`);
    if (!o.rebuild) {
      const s = await m.status();
      for (const line of s ? statusLines(s) : ['no rollup tables in this database']) log(line);
      return null;
    }
    let last = Date.now();
    let hours = 0;
    const result = await m.rebuild({
      ...(o.fromMs !== undefined ? { fromMs: o.fromMs } : {}),
      ...(o.toMs !== undefined ? { toMs: o.toMs } : {}),
      shouldStop: () => Boolean(o.signal?.aborted),
      onHour: (p) => {
        hours++;
        if (Date.now() - last >= 5000) {
          last = Date.now();
          log(`… ${count(hours)} hours done, at ${iso(p.hourStartMs)}`);
        }
      },
    });
    for (const line of rebuildLines(result)) log(line);
    return result;
  } finally {
    await m.close();
  }
}

/** Adds `envoy-lens rollups` to the program. */
export function registerRollupsCommand(program: Command, databaseUrl: (option: string | undefined) => string): void {
  program
    .command('rollups')
    .description('show how complete the per-minute and per-hour rollups are; --rebuild recomputes them from the records')
    .option('--db <url>', 'database URL (default: $DATABASE_URL or file:./data/envoy-lens.db)')
    .option('--rebuild', 'count the records stored before rollups existed (hour by hour, safe while a collector writes)')
    .option('--since <time>', 'with --rebuild: recompute the hours from this time instead (ISO-8601, or 15m / 2h / 7d back from now)')
    .option('--until <time>', 'with --rebuild: recompute the hours before this time')
    .action(async (opts: { db?: string; rebuild?: boolean; since?: string; until?: string }) => {
      if (!opts.rebuild && (opts.since !== undefined || opts.until !== undefined)) throw new UsageError('--since and --until apply with --rebuild only');
      const fromMs = opts.since === undefined ? undefined : parseTimeOption('--since', opts.since);
      const toMs = opts.until === undefined ? undefined : parseTimeOption('--until', opts.until);
      if (fromMs !== undefined && toMs !== undefined && !(fromMs < toMs)) throw new UsageError('--since must be before --until');
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const result = await runRollups(databaseUrl(opts.db), {
          rebuild: Boolean(opts.rebuild), signal: stop.signal,
          ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}),
        }, (line) => console.log(line));
        if (result?.stopped) process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
