// Everything the Requests page shows for a filter: one keyset page of records (newest start first) with the filter's
// total, what ingest has done so far, and the live collector's state.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { openChartStore } from '../store/chart-store.ts';
import { collectionRows, type CollectionRows } from '../store/queries/collection-status.ts';
import { ingestTotals, type IngestTotals } from '../store/queries/ingest-totals.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import { countRecords, countUntimedRecords } from '../store/queries/records.ts';
import { pageRecordsByTime, type TimeCursor } from '../store/queries/records-by-time.ts';
import type { RecordView } from '../store/queries/record-view.ts';
import { hourlyRecordCounts, pageWindowStart } from '../store/record-hours.ts';
import { rollupsAnswer } from '../store/rollup/rollup-filter.ts';
import { loadSettings } from '../settings.ts';
import { isMissingTable } from './api-response.ts';

export const REQUESTS_PAGE_SIZE = 100;
/** Counting the filter's records stops here when the count cannot come from rollups. */
export const REQUESTS_TOTAL_CAP = 1000;

export interface RequestsPage {
  records: RecordView[];
  /** The `before` of the next (older) page; null at the end. */
  next: TimeCursor | null;
  /** Records the filter selects (when capped: at least this many). */
  total: number;
  totalCapped: boolean;
}

export interface RequestsPageData {
  page: RequestsPage;
  totals: IngestTotals;
  collection: CollectionRows;
}

/** Null when the database was never migrated (nothing collected yet). */
export async function requestsPageData(prisma: PrismaClient, filter: RecordFilter, before: TimeCursor | undefined): Promise<RequestsPageData | null> {
  try {
    const [page, totals, collection] = await Promise.all([recordsPage(prisma, filter, before), ingestTotals(prisma), collectionRows(prisma)]);
    return { page, totals, collection };
  } catch (err) {
    if (isMissingTable(err)) return null;
    throw err;
  }
}

/**
 * When the rollups can count the filter (see rollupsAnswer), its records per hour give the exact total and tell the
 * page where its newest records are. Otherwise (a path, a request id) the total is counted from the records up to
 * REQUESTS_TOTAL_CAP and the page walks the window from its newest end.
 */
async function recordsPage(prisma: PrismaClient, filter: RecordFilter, before: TimeCursor | undefined): Promise<RequestsPage> {
  const store = rollupsAnswer(filter) ? await openChartStore(loadSettings().databaseUrl) : null;
  if (!store) {
    const [page, counted] = await Promise.all([
      pageRecordsByTime(prisma, { filter, limit: REQUESTS_PAGE_SIZE, before }),
      countRecords(prisma, filter, REQUESTS_TOTAL_CAP),
    ]);
    return { records: page.records, next: page.next, ...counted };
  }
  try {
    const [hours, untimed] = await Promise.all([hourlyRecordCounts(store, filter), countUntimedRecords(prisma, filter)]);
    const timedSince = before?.startMs === null ? undefined : pageWindowStart(hours, before?.startMs, REQUESTS_PAGE_SIZE + 1);
    const page = await pageRecordsByTime(prisma, { filter, limit: REQUESTS_PAGE_SIZE, before, timedSince });
    let total = untimed;
    for (const n of hours.values()) total += n;
    return { records: page.records, next: page.next, total, totalCapped: false };
  } finally {
    store.close();
  }
}
