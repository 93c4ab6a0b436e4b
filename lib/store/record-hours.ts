// Where a filter's records are, hour by hour: counted by the chart store (whole hours from hour rollups, the edges from
// minute rollups and records, so exact), and used as a coarse index. The Requests page takes its total from them and
// starts its index walk at the newest hours that hold a full page, so a rare match (a status class, one upstream) over
// a week does not make it walk millions of records.
import { HOUR_MS } from './rollup/rollup-accumulator.ts';
import type { ChartStore } from './chart-store.ts';
import type { RecordFilter } from './queries/record-filter.ts';

/** Matching timed records per hour: epoch ms of the hour's start → count; hours without any are absent. */
export async function hourlyRecordCounts(store: ChartStore, filter: RecordFilter): Promise<Map<number, number>> {
  const hours = new Map<number, number>();
  for (const row of await store.statusCounts(filter, { originMs: 0, bucketMs: HOUR_MS })) {
    const start = row.bucket * HOUR_MS;
    hours.set(start, (hours.get(start) ?? 0) + row.count);
  }
  return hours;
}

/**
 * Where the page's records start, by the counts: the start of the newest hours that hold at least `n` records starting
 * before `beforeMs` (the previous page's last start; none: from the newest), or of the oldest hour holding any when
 * fewer do; null when no hour does. The hour holding `beforeMs` is always read but not counted, since part of it is
 * newer. The rollups count every record in the transaction that stores it, so the page trusts them.
 */
export function pageWindowStart(hours: ReadonlyMap<number, number>, beforeMs: number | undefined, n: number): number | null {
  const cursorHour = beforeMs === undefined ? undefined : Math.floor(beforeMs / HOUR_MS) * HOUR_MS;
  let held = 0;
  let oldest: number | null = cursorHour ?? null;
  for (const start of [...hours.keys()].sort((a, b) => b - a)) {
    if (cursorHour !== undefined && start >= cursorHour) continue;
    held += hours.get(start)!;
    oldest = start;
    if (held >= n) return start;
  }
  return oldest;
}
