// Everything the Requests page shows for a filter: one keyset page of records (newest first) with the filter's total,
// what ingest has done so far, and the live collector's state.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { collectionRows, type CollectionRows } from '../store/queries/collection-status.ts';
import { ingestTotals, type IngestTotals } from '../store/queries/ingest-totals.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import { openChartStore } from '../store/chart-store.ts';
import { rollupsAnswer } from '../store/rollup/rollup-filter.ts';
import { countUntimedRecords, listRecords, type RecordPage } from '../store/queries/records.ts';
import { loadSettings } from '../settings.ts';
import { isMissingTable } from './api-response.ts';

export const REQUESTS_PAGE_SIZE = 100;
/** Counting the filter's records stops here when the count cannot come from rollups. */
export const REQUESTS_TOTAL_CAP = 1000;

export interface RequestsPageData {
  page: RecordPage;
  totals: IngestTotals;
  collection: CollectionRows;
}

/** Null when the database was never migrated (nothing collected yet). */
export async function requestsPageData(prisma: PrismaClient, filter: RecordFilter, before: number | undefined): Promise<RequestsPageData | null> {
  try {
    const [page, totals, collection] = await Promise.all([
      listRecords(prisma, { before, limit: REQUESTS_PAGE_SIZE, filter, countUpTo: REQUESTS_TOTAL_CAP }),
      ingestTotals(prisma),
      collectionRows(prisma),
    ]);
    if (!page.totalCapped) return { page, totals, collection };
    const exact = await exactTotal(prisma, filter);
    return { page: exact === null ? page : { ...page, total: exact, totalCapped: false }, totals, collection };
  } catch (err) {
    if (isMissingTable(err)) return null;
    throw err;
  }
}

/**
 * The exact number of records a filter selects, when the rollups can count it (see rollupsAnswer): the
 * chart store counts whole minutes and hours from them and only the edges from the records. Null otherwise: the page
 * then says "more than" the capped count.
 */
async function exactTotal(prisma: PrismaClient, filter: RecordFilter): Promise<number | null> {
  if (!rollupsAnswer(filter)) return null;
  const store = await openChartStore(loadSettings().databaseUrl);
  if (!store) return null;
  try {
    const [span, untimed] = await Promise.all([store.recordSpan(filter), countUntimedRecords(prisma, filter)]);
    return (span?.records ?? 0) + untimed;
  } finally {
    store.close();
  }
}
