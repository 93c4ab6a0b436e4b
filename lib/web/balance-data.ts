// What the Balance page loads: the analysis's balance report over the page's window, narrowed to its filters.
import { balanceView, type ClusterView } from '../analysis/balance-view.ts';
import { chartWindow, filterWindow, hourlyPoints } from '../analysis/chart-window.ts';
import { analyseBalance } from '../analysis/run-analysis.ts';
import { loadSettings } from '../settings.ts';
import { openAnalysisStore } from '../store/analysis-store.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';

/** Balance buckets are wider than other charts' (at most this many): a share needs records to mean something. */
export const BALANCE_POINTS = 60;

export interface BalanceData {
  fromMs: number;
  toMs: number;
  bucketMs: number;
  /** Clusters with traffic in the window that the filters keep. */
  clusters: ClusterView[];
  /** Clusters with traffic in the window before the filters. */
  allClusters: number;
  /** What the analysis could not read. */
  notes: string[];
}

/** Null when there is no record at all to place a window on. */
export async function loadBalance(filter: RecordFilter): Promise<BalanceData | null> {
  const store = await openAnalysisStore(loadSettings().databaseUrl);
  try {
    // The filter's window narrowed to the records in it (as the other charts do).
    const range = await store.recordTimeRange({ before: filter.until ?? Date.now() + 5 * 60_000 });
    if (!range) return null;
    const { fromMs, toMs } = filterWindow(filter, { firstMs: range.fromMs, lastMs: range.toMs - 1 });
    // Past 12 h in buckets of whole hours, counted in hour slots the hour rollups answer (see balanceSlotSeconds): a
    // day is 24 points, a week 56.
    const { bucketMs } = chartWindow(fromMs, toMs, hourlyPoints(toMs - fromMs, BALANCE_POINTS));
    const run = await analyseBalance(store, { fromMs, toMs, bucketMs });
    return {
      fromMs: run.balance.fromMs, toMs: run.balance.toMs, bucketMs,
      clusters: balanceView(run.balance.clusters, filter),
      allClusters: run.balance.clusters.length,
      notes: run.slotSeconds > 1 ? [...run.notes, `Over this window records are counted in ${slotLabel(run.slotSeconds)} slots; expected shares use the endpoints ready at each slot's start.`] : run.notes,
    };
  } finally {
    store.close();
  }
}

const slotLabel = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600}-hour` : seconds % 60 === 0 ? `${seconds / 60}-minute` : `${seconds} s`);
