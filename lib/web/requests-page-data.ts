// Everything the Requests page shows for a filter: one keyset page of records (newest first) with the filter's total,
// what ingest has done so far, and the live collector's state.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { collectionRows, type CollectionRows } from '../store/queries/collection-status.ts';
import { ingestTotals, type IngestTotals } from '../store/queries/ingest-totals.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import { listRecords, type RecordPage } from '../store/queries/records.ts';
import { isMissingTable } from './api-response.ts';

export const REQUESTS_PAGE_SIZE = 100;

export interface RequestsPageData {
  page: RecordPage;
  totals: IngestTotals;
  collection: CollectionRows;
}

/** Null when the database was never migrated (nothing collected yet). */
export async function requestsPageData(prisma: PrismaClient, filter: RecordFilter, before: number | undefined): Promise<RequestsPageData | null> {
  try {
    const [page, totals, collection] = await Promise.all([
      listRecords(prisma, { before, limit: REQUESTS_PAGE_SIZE, filter }),
      ingestTotals(prisma),
      collectionRows(prisma),
    ]);
    return { page, totals, collection };
  } catch (err) {
    if (isMissingTable(err)) return null;
    throw err;
  }
}
