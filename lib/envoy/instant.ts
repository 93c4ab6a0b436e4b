/** A point in time as Envoy logged it: epoch milliseconds plus the sub-millisecond nanoseconds, when logged. */
export interface Instant {
  ms: number;
  /** 0..999999 when the format carried µs or ns digits; undefined otherwise. */
  subMsNanos?: number;
}

export function isInstant(value: unknown): value is Instant {
  return typeof value === 'object' && value !== null && typeof (value as Instant).ms === 'number';
}

/** ISO-8601 UTC with milliseconds, as the CLI prints every START_TIME form. */
export function instantToIso(value: Instant): string {
  return new Date(value.ms).toISOString();
}
