// How chart values and times read: the same on the server and in the browser (times in UTC), so the table view and
// the chart agree and hydration does not differ.

/** count: requests; ms: a duration; share: 0..1 shown as a percentage; rate: per second. */
export type Unit = 'count' | 'ms' | 'share' | 'rate';

export interface Series {
  /** The key of the value in each point (plain letters and digits: dots would read as a path). */
  key: string;
  label: string;
  /** A CSS colour, e.g. var(--status-5xx); by default the series palette in order. */
  color?: string;
}

export const seriesColor = (s: Series, i: number): string => s.color ?? `var(--series-${(i % 8) + 1})`;

export function formatValue(v: number | null | undefined, unit: Unit): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'ms': return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v).toLocaleString('en-US')} ms`;
    case 'share': return `${(v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 1)}%`;
    case 'rate': return `${v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 10 ? 1 : 2)}/s`;
    case 'count': return Math.round(v).toLocaleString('en-US');
  }
}

/** Short axis labels: 1.2k, 3M. */
export function formatTick(v: number, unit: Unit): string {
  if (unit === 'share') return `${Math.round(v * 100)}%`;
  if (unit === 'ms') return v >= 1000 ? `${+(v / 1000).toFixed(1)}s` : `${v}ms`;
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return String(+v.toFixed(2));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An axis tick for a time: seconds when buckets are under a minute, the date when the span is over a day. */
export function formatTimeTick(ms: number, bucketMs: number, spanMs: number): string {
  const d = new Date(ms);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (spanMs > 86_400_000) return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${hm}`;
  return bucketMs < 60_000 ? `${hm}:${pad(d.getUTCSeconds())}` : hm;
}

/** A full UTC time for tables and tooltips: 2025-12-16 10:05:30Z. */
export const formatTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} days`;
}
