// envoy-lens import: stores the records of one or more log files, with a progress bar on a terminal.
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { CompiledFormat } from '../envoy/compile-format.ts';
import { importLines, SourceConflictError, type ImportSummary } from '../ingest/import-lines.ts';
import { readLineBatches } from '../ingest/read-lines.ts';
import { openIngestStore } from '../store/ingest-store.ts';
import { formatText } from './format-option.ts';
import { UsageError } from './usage-error.ts';

export interface ImportCommandOptions {
  databaseUrl: string;
  namespace?: string;
  pod?: string;
  container?: string;
  /** A name to store the input under, instead of one derived from its first line. */
  as?: string;
  progress: boolean;
}

export async function runImport(format: CompiledFormat, files: string[], options: ImportCommandOptions, log: (line: string) => void) {
  if (files.length === 0) throw new UsageError('import needs at least one FILE');
  const sizes = files.map((f) => {
    try {
      return statSync(f).size;
    } catch (err) {
      throw new UsageError(`${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  });
  const store = await openIngestStore(options.databaseUrl);
  const totals: ImportSummary = { lines: 0, skipped: 0, records: 0, rejected: 0, ambiguous: 0, seconds: 0 };
  const bar = options.progress
    ? new cliProgress.SingleBar(
        { format: '{file} [{bar}] {percentage}% | {lines} lines | {rate} lines/s', hideCursor: true, etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  try {
    for (const [i, file] of files.entries()) {
      const started = performance.now();
      bar?.start(sizes[i]!, 0, { file: path.basename(file), lines: 0, rate: 0 });
      const summary = await importLines(readLineBatches(createReadStream(file, { highWaterMark: 1 << 16 })), {
        store,
        format,
        source: {
          kind: 'file', namespace: options.namespace ?? null, pod: options.pod ?? null,
          container: options.container ?? null, location: path.resolve(file), format: formatText(format.spec),
          ...(options.as !== undefined ? { key: `file:as:${options.as}${files.length > 1 ? `#${i + 1}` : ''}` } : {}),
        },
        onProgress: (bytes, s) => bar?.update(bytes, { lines: s.lines, rate: Math.round(s.lines / ((performance.now() - started) / 1000)) }),
      }).catch((err: unknown) => {
        throw err instanceof SourceConflictError ? new SourceConflictError(`${file}: ${err.message}`) : err;
      });
      bar?.stop();
      log(describe(file, summary));
      for (const k of ['lines', 'skipped', 'records', 'rejected', 'ambiguous', 'seconds'] as const) totals[k] += summary[k];
    }
  } finally {
    bar?.stop();
    await store.close();
  }
  if (files.length > 1) log(describe('total', totals));
  return totals;
}

function describe(label: string, s: ImportSummary): string {
  const rate = s.seconds > 0 ? Math.round((s.lines - s.skipped) / s.seconds) : 0;
  return `${label}: ${s.lines} lines, ${s.records} records stored, ${s.rejected} rejected, ${s.ambiguous} ambiguous, ` +
    `${s.skipped} already imported; ${s.seconds.toFixed(2)} s, ${rate.toLocaleString('en-US')} lines/s`;
}
