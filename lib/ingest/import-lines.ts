// Turns lines into stored records: parse, map, batch, write with the checkpoint in the same transaction.
// Re-running over the same input adds nothing: lines up to the checkpoint are skipped, and (source, line number)
// is unique in the store. A file is known by its first line; the checkpoint also keeps a hash of every line consumed,
// so a different file that merely starts with the same line is refused instead of being silently skipped.
import { createHash, type Hash } from 'node:crypto';
import { recordMapper } from '../envoy/access-record.ts';
import type { CompiledFormat } from '../envoy/compile-format.ts';
import type { IngestBatch, IngestStore, SourceIdentity } from '../store/ingest-store.ts';
import { MAX_LINE_LENGTH, OVERLONG_LINE, type LineBatch } from './read-lines.ts';

export interface ImportSummary {
  lines: number;
  /** Lines already imported earlier (skipped by the checkpoint). */
  skipped: number;
  records: number;
  rejected: number;
  ambiguous: number;
  seconds: number;
}

export interface ImportOptions {
  store: IngestStore;
  format: CompiledFormat;
  /** Identity minus the key, which is derived from the input's first line unless `key` is given. */
  source: Omit<SourceIdentity, 'key'> & { key?: string };
  batchSize?: number;
  onProgress?: (bytesRead: number, summary: ImportSummary) => void;
}

/** The input starts like an earlier import but is not the same file: importing it would lose lines. */
export class SourceConflictError extends Error {
  override name = 'SourceConflictError';
}

export function sourceKeyFor(firstLine: string): string {
  return `file:${createHash('sha256').update(firstLine).digest('hex').slice(0, 32)}`;
}

const overlongReason = `line longer than the ${MAX_LINE_LENGTH / (1024 * 1024)} MiB limit`;

export async function importLines(batches: AsyncIterable<LineBatch>, options: ImportOptions): Promise<ImportSummary> {
  // Large batches: each commit costs a WAL write and, now and then, a checkpoint (see lib/store/sqlite/).
  const { store, format, batchSize = 20_000 } = options;
  const mapper = recordMapper(format);
  const started = performance.now();
  const summary: ImportSummary = { lines: 0, skipped: 0, records: 0, rejected: 0, ambiguous: 0, seconds: 0 };
  let sourceId = -1;
  let skipUntil = 0;
  let expectedPrefix: string | null = null;
  const prefix: Hash = createHash('sha256');
  let pending: IngestBatch = emptyBatch();
  let bytesRead = 0;

  const flush = async () => {
    if (pending.records.length === 0 && pending.rejects.length === 0) return;
    pending.checkpoint = { ...pending.checkpoint, linesRead: summary.lines, bytesRead, fingerprint: prefix.copy().digest('hex') };
    const result = await store.writeBatch(sourceId, pending);
    summary.records += result.recordsAdded;
    summary.rejected += result.rejectsAdded;
    pending = emptyBatch();
  };

  for await (const batch of batches) {
    bytesRead = batch.bytesRead;
    for (const line of batch.lines) {
      if (sourceId < 0) {
        const opened = await store.openSource({ ...options.source, key: options.source.key ?? sourceKeyFor(line) });
        sourceId = opened.sourceId;
        skipUntil = opened.checkpoint?.linesRead ?? 0;
        expectedPrefix = opened.checkpoint?.fingerprint ?? null;
      }
      const seq = ++summary.lines;
      prefix.update(line);
      prefix.update('\n');
      if (seq <= skipUntil) {
        summary.skipped++;
        if (seq === skipUntil && expectedPrefix !== null && prefix.copy().digest('hex') !== expectedPrefix) {
          throw new SourceConflictError(
            `the input starts with the same line as an earlier import but differs within its first ${skipUntil} lines: ` +
              'it is a different file (give it a name of its own with --as NAME)',
          );
        }
        continue;
      }
      if (line === OVERLONG_LINE) {
        pending.rejects.push({ seq, reason: overlongReason, column: null, raw: '' });
      } else {
        const parsed = format.parse(line);
        if (parsed.ok) {
          const record = mapper.toRecord(parsed.values, parsed.ambiguous, parsed.alternatives);
          if (record.ambiguousFields) summary.ambiguous++;
          pending.records.push({ seq, record });
        } else {
          pending.rejects.push({ seq, reason: parsed.reason, column: parsed.column, raw: line });
        }
      }
      if (pending.records.length + pending.rejects.length >= batchSize) await flush();
    }
    options.onProgress?.(bytesRead, summary);
  }
  await flush();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

function emptyBatch(): IngestBatch {
  return {
    records: [],
    rejects: [],
    checkpoint: { linesRead: 0, bytesRead: 0, fingerprint: null, watermark: null, watermarkCount: 0 },
  };
}
