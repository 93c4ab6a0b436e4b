// Collects what every followed container read and commits it in one transaction every flush interval: each
// source's records, rejected lines and non-access-line count together with its checkpoint (watermark, lines read),
// so a crash at any moment leaves the database at a point a resume continues from exactly. Memory is bounded: past
// maxPendingLines, readers are told to wait until the next commit (they stop reading their streams meanwhile).
import type { IngestBatch, IngestStore, RecordRow, RejectedRow } from '../store/ingest-store.ts';

export interface SourceCheckpoint {
  linesRead: number;
  watermark: string | null;
  watermarkCount: number;
  finished?: boolean;
}

export interface CommitStats {
  records: number;
  rejected: number;
  other: number;
  /** Commit time minus each record's kubelet timestamp, ms. */
  lagsMs: number[];
}

export interface BatchWriterOptions {
  flushMs?: number;
  maxPendingLines?: number;
  onCommit?: (stats: CommitStats) => void;
  onError?: (err: unknown) => void;
}

interface Pending {
  records: RecordRow[];
  /** Kubelet times of the records read live (not a backlog caught up on), for the lag figures. */
  live: number[];
  rejects: RejectedRow[];
  /** Positions of the non-access lines (counted, not stored). */
  other: number[];
  checkpoint: SourceCheckpoint;
}

export class BatchWriter {
  private pending = new Map<number, Pending>();
  private lines = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private waiters: (() => void)[] = [];
  private readonly flushMs: number;
  private readonly maxPending: number;
  private closed = false;
  /** Set when a commit failed; the next flush retries the same batches. */
  lastError?: string;

  constructor(
    private readonly store: IngestStore,
    private readonly options: BatchWriterOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 100;
    // 20,000 lines (not 50,000): with rollups kept in the ingest transaction a commit takes longer, and a backlog of
    // 50,000 parsed lines waiting on it took the soak's collector past 500 MB RSS; 20,000 still carries 2,500 lines/s.
    this.maxPending = options.maxPendingLines ?? 20_000;
  }

  private entry(sourceId: number, checkpoint: SourceCheckpoint): Pending {
    let p = this.pending.get(sourceId);
    if (!p) {
      p = { records: [], live: [], rejects: [], other: [], checkpoint };
      this.pending.set(sourceId, p);
    }
    p.checkpoint = checkpoint;
    this.lines++;
    this.schedule();
    return p;
  }

  /** `liveSince`: when the stream opened; records stamped before it are backlog and left out of the lag figures. */
  record(sourceId: number, row: RecordRow, after: SourceCheckpoint, liveSince?: number): void {
    const p = this.entry(sourceId, after);
    p.records.push(row);
    if (row.logTime && liveSince !== undefined && row.logTime >= liveSince) p.live.push(row.logTime);
  }

  reject(sourceId: number, row: RejectedRow, after: SourceCheckpoint): void {
    this.entry(sourceId, after).rejects.push(row);
  }

  /** A line that is not an access-log line, at position `after.linesRead`: counted, not stored. */
  other(sourceId: number, after: SourceCheckpoint): void {
    this.entry(sourceId, after).other.push(after.linesRead);
  }

  /** A line consumed and left out (before --since): only the position moves. */
  skip(sourceId: number, after: SourceCheckpoint): void {
    this.entry(sourceId, after);
  }

  /** Marks a source's instance read to its end (written with its last checkpoint). */
  finish(sourceId: number, after: SourceCheckpoint): void {
    this.entry(sourceId, { ...after, finished: true });
    this.lines--;
  }

  /** True when readers should wait for `drained()` before reading more. */
  get full(): boolean {
    return this.lines >= this.maxPending;
  }

  /** Resolves once pending lines are below the limit again. */
  drained(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.lines >= this.maxPending ? 0 : this.flushMs);
  }

  /** Commits what is pending now (waiting for a commit already running). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batches = this.pending;
    const count = this.lines;
    this.pending = new Map();
    this.lines = 0;
    this.flushing = this.commit(batches, count).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async commit(batches: Map<number, Pending>, count: number): Promise<void> {
    const items: { sourceId: number; batch: IngestBatch }[] = [];
    for (const [sourceId, p] of batches) {
      items.push({
        sourceId,
        batch: {
          records: p.records,
          rejects: p.rejects,
          otherLineSeqs: p.other,
          checkpoint: { linesRead: p.checkpoint.linesRead, bytesRead: 0, fingerprint: null, watermark: p.checkpoint.watermark, watermarkCount: p.checkpoint.watermarkCount, finished: p.checkpoint.finished ?? false },
        },
      });
    }
    try {
      await this.store.writeBatches(items);
      this.lastError = undefined;
    } catch (err) {
      // Put them back in front of anything added meanwhile, and retry on the next flush.
      this.lastError = err instanceof Error ? err.message : String(err);
      this.options.onError?.(err);
      for (const [id, p] of this.pending) {
        const older = batches.get(id);
        if (older) {
          older.records.push(...p.records);
          older.live.push(...p.live);
          older.rejects.push(...p.rejects);
          older.other.push(...p.other);
          older.checkpoint = p.checkpoint;
        } else batches.set(id, p);
      }
      this.pending = batches;
      this.lines += count;
      if (!this.closed) setTimeout(() => this.schedule(), 1000);
      return;
    }
    const now = Date.now();
    const stats: CommitStats = { records: 0, rejected: 0, other: 0, lagsMs: [] };
    for (const p of batches.values()) {
      stats.records += p.records.length;
      stats.rejected += p.rejects.length;
      stats.other += p.other.length;
      for (const t of p.live) stats.lagsMs.push(now - t);
    }
    this.options.onCommit?.(stats);
    if (!this.full) for (const w of this.waiters.splice(0)) w();
    if (this.pending.size > 0) this.schedule();
  }

  /** Commits everything and stops the timer. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    for (const w of this.waiters.splice(0)) w();
  }
}
