// What the Overview, Responses and Latency pages load: one call each, on the database the settings name. The chart
// store is opened for the request and closed after it.
import { overviewReport, latencyReport, responsesReport, type LatencyReport, type OverviewReport, type ResponsesReport } from '../analysis/chart-reports.ts';
import { loadSettings } from '../settings.ts';
import { openChartStore, type ChartStore } from '../store/chart-store.ts';
import { prismaClientFor } from '../store/prisma-client.ts';
import { collectionRows, type CollectionRows } from '../store/queries/collection-status.ts';
import { openFindingCounts, type OpenFindingCounts } from '../store/queries/finding-counts.ts';
import { ingestTotals, type IngestTotals } from '../store/queries/ingest-totals.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';

/** Runs `fn` on the chart store; null when the database does not exist or has no tables yet. */
async function withChartStore<T>(fn: (store: ChartStore) => Promise<T | null>): Promise<T | null> {
  const store = await openChartStore(loadSettings().databaseUrl);
  if (!store) return null;
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

export const loadResponses = (filter: RecordFilter): Promise<ResponsesReport | null> => withChartStore((s) => responsesReport(s, filter));

export const loadLatency = (filter: RecordFilter): Promise<LatencyReport | null> => withChartStore((s) => latencyReport(s, filter));

export interface OverviewData {
  /** Null when the filter selects no record. */
  traffic: OverviewReport | null;
  findings: OpenFindingCounts;
  collection: CollectionRows;
  ingest: IngestTotals;
}

const noFindings: OpenFindingCounts = { error: 0, warning: 0, info: 0, silenced: 0, analyzedAtMs: null };
const noCollection: CollectionRows = { statuses: [], gaps: 0, otherLines: 0 };
const noIngest: IngestTotals = { sources: 0, linesRead: 0, records: 0, rejected: 0, ambiguous: 0 };

export async function loadOverview(filter: RecordFilter): Promise<OverviewData> {
  const prisma = await prismaClientFor(loadSettings().databaseUrl);
  const orEmpty = <T>(p: Promise<T>, empty: T): Promise<T> => p.catch((err) => {
    // A database not migrated yet: nothing stored.
    if ((err as { code?: string }).code === 'P2021') return empty;
    throw err;
  });
  const [traffic, findings, collection, ingest] = await Promise.all([
    withChartStore((s) => overviewReport(s, filter)),
    orEmpty(openFindingCounts(prisma), noFindings),
    orEmpty(collectionRows(prisma), noCollection),
    orEmpty(ingestTotals(prisma), noIngest),
  ]);
  return { traffic, findings, collection, ingest };
}
