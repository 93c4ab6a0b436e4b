// Everything the Requests page shows for a filter: one keyset page of records (newest start first) with the filter's
// total, what ingest has done so far, and the live collector's state.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { openChartStore, type ChartStore } from '../store/chart-store.ts';
import { collectionRows, type CollectionRows } from '../store/queries/collection-status.ts';
import { ingestTotals, type IngestTotals } from '../store/queries/ingest-totals.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import { countRecords, countUntimedRecords } from '../store/queries/records.ts';
import { pageRecordsByTime, type TimeCursor } from '../store/queries/records-by-time.ts';
import type { RecordView } from '../store/queries/record-view.ts';
import { hourlyRecordCounts, pageWindowStart } from '../store/record-hours.ts';
import { HOUR_MS } from '../store/rollup/rollup-accumulator.ts';
import { rollupsAnswer } from '../store/rollup/rollup-filter.ts';
import { loadSettings } from '../settings.ts';
import { isMissingTable } from './api-response.ts';

export const REQUESTS_PAGE_SIZE = 100;
/** Counting the filter's records stops here when the count cannot come from rollups. */
export const REQUESTS_TOTAL_CAP = 1000;
/**
 * How a page request searches when the rollups cannot count its filter (a path, a request id): such a walk reads
 * every record of the hours it passes (a path that matches nothing in a week of 10M records: 10 s or more), so a window
 * holding more than SEARCH_STRETCH_RECORDS records is searched a stretch of whole hours at a time, newest first, each
 * stretch holding about that many (the rollups' hourly counts of the window say where it ends). A request starts no
 * new stretch once it has searched for SEARCH_MS; it lists what it found and how far it searched, and Older searches
 * on. Measured on 10M records here: a request takes 1.5-3 s, more on records no longer in the page cache.
 */
export const SEARCH_STRETCH_RECORDS = 500_000;
export const SEARCH_MS = 1_500;

export interface RequestsPage {
  records: RecordView[];
  /** The `before` of the next (older) page; null at the end. */
  next: TimeCursor | null;
  /** Records the filter selects (when capped: at least this many). */
  total: number;
  totalCapped: boolean;
  /**
   * Set when the window holds more than a stretch (SEARCH_STRETCH_RECORDS) and the filter is not one the rollups count:
   * the start times this page searched ([fromMs, toMs)); `total` counts the matches there, and `next` continues below.
   * Null when the window was searched whole, or the count passed REQUESTS_TOTAL_CAP (so the window's did too).
   */
  searched: { fromMs: number; toMs: number } | null;
}

/** See SEARCH_STRETCH_RECORDS and SEARCH_MS. */
export interface SearchLimits {
  stretchRecords: number;
  searchMs: number;
}

export interface RequestsPageData {
  page: RequestsPage;
  totals: IngestTotals;
  collection: CollectionRows;
}

/** Null when the database was never migrated (nothing collected yet). */
export async function requestsPageData(
  prisma: PrismaClient, filter: RecordFilter, before: TimeCursor | undefined, o: Partial<SearchLimits> = {},
): Promise<RequestsPageData | null> {
  const limits: SearchLimits = { stretchRecords: o.stretchRecords ?? SEARCH_STRETCH_RECORDS, searchMs: o.searchMs ?? SEARCH_MS };
  try {
    const [page, totals, collection] = await Promise.all([recordsPage(prisma, filter, before, limits), ingestTotals(prisma), collectionRows(prisma)]);
    return { page, totals, collection };
  } catch (err) {
    if (isMissingTable(err)) return null;
    throw err;
  }
}

/**
 * When the rollups can count the filter (see rollupsAnswer), its records per hour give the exact total and tell the
 * page where its newest records are. Otherwise (a path, a request id) the page walks the window from its newest end,
 * a stretch at a time past SEARCH_STRETCH_RECORDS, and counts what it matches up to REQUESTS_TOTAL_CAP.
 */
async function recordsPage(prisma: PrismaClient, filter: RecordFilter, before: TimeCursor | undefined, limits: SearchLimits): Promise<RequestsPage> {
  const store = await openChartStore(loadSettings().databaseUrl);
  try {
    if (!store || !rollupsAnswer(filter)) return await searchedPage(prisma, store, filter, before, limits);
    const [hours, untimed] = await Promise.all([hourlyRecordCounts(store, filter), countUntimedRecords(prisma, filter)]);
    const timedSince = before?.startMs === null ? undefined : pageWindowStart(hours, before?.startMs, REQUESTS_PAGE_SIZE + 1);
    const page = await pageRecordsByTime(prisma, { filter, limit: REQUESTS_PAGE_SIZE, before, timedSince });
    let total = untimed;
    for (const n of hours.values()) total += n;
    return { records: page.records, next: page.next, total, totalCapped: false, searched: null };
  } finally {
    store?.close();
  }
}

/** A page of a filter the rollups cannot count (see SEARCH_STRETCH_RECORDS). */
async function searchedPage(
  prisma: PrismaClient, store: ChartStore | null, filter: RecordFilter, before: TimeCursor | undefined, limits: SearchLimits,
): Promise<RequestsPage> {
  // Every record of the window, per hour: what a walk down the start-time index passes.
  const hours = store && before?.startMs !== null ? await hourlyRecordCounts(store, { since: filter.since, until: filter.until }) : null;
  let inWindow = 0;
  for (const n of hours?.values() ?? []) inWindow += n;
  if (!hours || inWindow <= limits.stretchRecords) {
    const page = await pageRecordsByTime(prisma, { filter, limit: REQUESTS_PAGE_SIZE, before });
    // A first page that holds every match has counted them.
    const counted = before === undefined && page.next === null
      ? { total: page.records.length, totalCapped: false }
      : await countRecords(prisma, filter, REQUESTS_TOTAL_CAP);
    return { records: page.records, next: page.next, ...counted, searched: null };
  }
  const started = performance.now();
  const oldestHour = Math.min(...hours.keys());
  const toMs = before?.startMs ?? filter.until ?? Math.max(...hours.keys()) + HOUR_MS;
  const records: RecordView[] = [];
  let cursor = before;
  let fromMs = toMs;
  let stretch: RecordFilter = filter;
  let next: TimeCursor | null;
  let filled = false;
  do {
    fromMs = pageWindowStart(hours, cursor?.startMs ?? undefined, limits.stretchRecords) ?? fromMs;
    const reachesStart = fromMs <= oldestHour;
    // The last stretch keeps the filter's own window, so that a window-less filter ends with its untimed records.
    stretch = reachesStart ? filter : { ...filter, since: Math.max(fromMs, filter.since ?? -Infinity) };
    const page = await pageRecordsByTime(prisma, { filter: stretch, limit: REQUESTS_PAGE_SIZE - records.length, before: cursor, timedSince: fromMs });
    records.push(...page.records);
    filled = page.next !== null;
    // A short page ends at the stretch's start: the next searches on below it.
    next = page.next ?? (reachesStart ? null : { startMs: fromMs, id: 0 });
    cursor = next ?? undefined;
    if (reachesStart) fromMs = filter.since ?? fromMs;
  } while (!filled && next && performance.now() - started < limits.searchMs);
  // Unless the page filled up, it holds every match of what it searched. More than the cap counted in what it searched
  // are more than the cap in the window: said plainly.
  const counted = filled ? await countRecords(prisma, { ...stretch, until: toMs }, REQUESTS_TOTAL_CAP) : { total: records.length, totalCapped: false };
  return { records, next, ...counted, searched: counted.totalCapped ? null : { fromMs, toMs } };
}
