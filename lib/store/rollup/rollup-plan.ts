// Which part of a time range a query reads from rollups and which from the records themselves, so counts stay exact:
// whole periods inside the range come from rollup rows (hour rows where a whole hour fits in one bucket of the grid,
// minute rows elsewhere), and the partial minutes at the edges, plus any period the rollups cannot be trusted for,
// from the records. Pure and backend-neutral.
import { HOUR_MINUTES, MINUTE_MS } from './rollup-accumulator.ts';

/** [from, to): epoch ms for record ranges, epoch minutes for rollup ranges; ±Infinity for an open end. */
export type Range = readonly [from: number, to: number];

export interface ReadPlan {
  /** Epoch ms ranges to read from the records. */
  raw: Range[];
  /** Epoch minute ranges to read from minute rows. */
  minutes: Range[];
  /** Epoch minute ranges, whole hours, to read from hour rows. */
  hours: Range[];
}

export interface PlanOptions {
  /**
   * The time buckets the answer is counted in (bucket i: [originMs + i·bucketMs, …)); null: one bucket for the whole
   * range. Rollups serve a grid only when every minute (hour) falls in one bucket.
   */
  grid: { originMs: number; bucketMs: number } | null;
  /** Epoch ms ranges the rollups may not hold every record of (see RollupState): read from the records. */
  uncovered: readonly Range[];
  /** Ranges this long or shorter are read from the records alone (default MIN_ROLLUP_SPAN_MS). */
  minSpanMs?: number;
}

/**
 * Ranges up to half an hour stay on the records: their percentiles stay exact, and the dashboard charts them in
 * buckets under a minute, which minute rows cannot fill anyway (lib/analysis/chart-window.ts: whole minutes only past
 * half an hour). Longer ones (the default window is the latest hour) read minute rows: on busy traffic an hour is tens
 * of thousands of records, read from all over the table.
 */
export const MIN_ROLLUP_SPAN_MS = 30 * MINUTE_MS;

const floorTo = (v: number, step: number) => (Number.isFinite(v) ? Math.floor(v / step) * step : v);
const ceilTo = (v: number, step: number) => (Number.isFinite(v) ? Math.ceil(v / step) * step : v);
const isEmpty = (r: Range) => !(r[0] < r[1]);

/** `ranges` minus `cut`, both sorted and disjoint. */
function subtract(ranges: Range[], cut: Range): Range[] {
  const out: Range[] = [];
  for (const r of ranges) {
    if (cut[1] <= r[0] || cut[0] >= r[1]) {
      out.push(r);
      continue;
    }
    if (r[0] < cut[0]) out.push([r[0], cut[0]]);
    if (cut[1] < r[1]) out.push([cut[1], r[1]]);
  }
  return out;
}

/** Whether minutes, and hours, each fall inside one bucket of the grid. */
export function gridFits(grid: PlanOptions['grid']): { minutes: boolean; hours: boolean } {
  if (grid === null) return { minutes: true, hours: true };
  const fits = (unitMs: number) => grid.bucketMs > 0 && grid.bucketMs % unitMs === 0 && grid.originMs % unitMs === 0;
  return { minutes: fits(MINUTE_MS), hours: fits(HOUR_MINUTES * MINUTE_MS) };
}

/**
 * How to read [fromMs, toMs) (either end may be infinite); null when the records alone should be read: the range is
 * short, the grid does not fit minutes, or no whole minute inside it is covered.
 */
export function planRead(fromMs: number, toMs: number, o: PlanOptions): ReadPlan | null {
  if (!(fromMs < toMs) || toMs - fromMs <= (o.minSpanMs ?? MIN_ROLLUP_SPAN_MS)) return null;
  const fits = gridFits(o.grid);
  if (!fits.minutes) return null;
  // The whole minutes inside the range, minus the uncovered ranges widened to whole hours (so hour rows never straddle
  // one).
  let middle: Range[] = [[ceilTo(fromMs, MINUTE_MS) / MINUTE_MS, floorTo(toMs, MINUTE_MS) / MINUTE_MS]];
  if (isEmpty(middle[0]!)) return null;
  for (const u of [...o.uncovered].sort((a, b) => a[0] - b[0])) {
    if (isEmpty(u)) continue;
    middle = subtract(middle, [floorTo(u[0], HOUR_MINUTES * MINUTE_MS) / MINUTE_MS, ceilTo(u[1], HOUR_MINUTES * MINUTE_MS) / MINUTE_MS]);
  }
  if (middle.length === 0) return null;

  const raw = middle.reduce<Range[]>((rest, m) => subtract(rest, [m[0] * MINUTE_MS, m[1] * MINUTE_MS]), [[fromMs, toMs]]);
  const minutes: Range[] = [];
  const hours: Range[] = [];
  for (const m of middle) {
    const h: Range = fits.hours ? [ceilTo(m[0], HOUR_MINUTES), floorTo(m[1], HOUR_MINUTES)] : [0, 0];
    if (isEmpty(h)) {
      minutes.push(m);
      continue;
    }
    hours.push(h);
    if (m[0] < h[0]) minutes.push([m[0], h[0]]);
    if (h[1] < m[1]) minutes.push([h[1], m[1]]);
  }
  return { raw: raw.filter((r) => !isEmpty(r)), minutes, hours };
}

/** One range of rollup rows of one period length (epoch minutes). */
export interface RollupPart {
  periodMinutes: 1 | 60;
  range: Range;
}

/** A plan's rollup ranges, minute rows first, then hour rows. */
export const rollupParts = (plan: ReadPlan): RollupPart[] => [
  ...plan.minutes.map((range): RollupPart => ({ periodMinutes: 1, range })),
  ...plan.hours.map((range): RollupPart => ({ periodMinutes: HOUR_MINUTES, range })),
];

/** The table (quoted) holding the rollup rows of a period length: minutes in RecordRollup, hours in RecordRollupHour. */
export function rollupTable(periodMinutes: number): '"RecordRollup"' | '"RecordRollupHour"' {
  if (periodMinutes === 1) return '"RecordRollup"';
  if (periodMinutes === HOUR_MINUTES) return '"RecordRollupHour"';
  throw new Error(`no rollup rows of ${periodMinutes} minutes`);
}
