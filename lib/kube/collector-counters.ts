// What the collector counts while it runs, shared by its parts: lines in and out, stream events, errors by kind with
// the last few messages, and the lag from a line's kubelet stamp to its commit (p50/p95 over the last minute).

export interface RecentError {
  at: string;
  kind: string;
  message: string;
}

/** Lag samples kept for percentiles: a minute's worth at a few thousand lines per second is plenty. */
const MAX_LAG_SAMPLES = 20_000;

export class CollectorCounters {
  linesRead = 0;
  records = 0;
  rejected = 0;
  otherLines = 0;
  /** Lines a resume received again and skipped (covered by a watermark). */
  resumedOver = 0;
  streamsOpened = 0;
  reconnects = 0;
  stalls = 0;
  gaps = 0;
  readonly errors = new Map<string, number>();
  readonly recent: RecentError[] = [];
  private lags: { at: number; ms: number }[] = [];
  private commits: { at: number; records: number }[] = [];

  error(kind: string, message: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    this.recent.push({ at: new Date().toISOString(), kind, message: message.slice(0, 500) });
    if (this.recent.length > 20) this.recent.shift();
  }

  committed(records: number, lagsMs: number[]): void {
    const now = Date.now();
    this.commits.push({ at: now, records });
    // Every sample would be a lot at thousands of lines per second; a stride keeps the percentiles honest enough.
    const stride = Math.max(1, Math.floor(lagsMs.length / 500));
    for (let i = 0; i < lagsMs.length; i += stride) this.lags.push({ at: now, ms: lagsMs[i]! });
    this.trim(now);
  }

  private trim(now: number): void {
    const since = now - 60_000;
    while (this.lags.length && (this.lags[0]!.at < since || this.lags.length > MAX_LAG_SAMPLES)) this.lags.shift();
    while (this.commits.length && this.commits[0]!.at < since) this.commits.shift();
  }

  /** Records committed per second over the last `windowMs`. */
  rate(windowMs = 10_000): number {
    const since = Date.now() - windowMs;
    let n = 0;
    for (const c of this.commits) if (c.at >= since) n += c.records;
    return n / (windowMs / 1000);
  }

  /** Lag percentiles (ms) over the last minute; null without samples. */
  lag(): { p50: number; p95: number; max: number } | null {
    this.trim(Date.now());
    if (this.lags.length === 0) return null;
    const sorted = this.lags.map((l) => l.ms).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
  }
}
