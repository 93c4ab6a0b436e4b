// Small text helpers for the Sources page.

/** `2025-12-16T09:45:56Z` (to the second). */
export const when = (ms: number | null | undefined): string =>
  (ms == null || !(Math.abs(ms) <= 8.64e15) ? '—' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** A kubelet timestamp with 9 fraction digits, shortened to milliseconds for display. */
export const kubeTime = (t: string | null): string | null => (t === null ? null : t.replace(/(\.\d{3})\d*Z$/, '$1Z'));

export const num = (n: number): string => n.toLocaleString('en-US');

export const plural = (n: number, noun: string): string => `${num(n)} ${noun}${n === 1 ? '' : 's'}`;
