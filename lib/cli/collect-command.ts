// envoy-lens collect: follows the Envoy containers of a cluster into the database until SIGINT/SIGTERM, then commits
// what it read and exits 0. `--status` prints what a running collector last reported.
import v8 from 'node:v8';
import { formatText } from '../envoy/format-text.ts';
import type { FormatSpec } from '../envoy/compile-format.ts';
import { Collector } from '../kube/collector.ts';
import { statusText, type CollectorStatus } from '../kube/collector-status.ts';
import { KubeClient } from '../kube/kube-client.ts';
import { openCollectorStore } from '../store/collector-store.ts';
import { redact } from '../store/database-url.ts';
import { startAnalysisLoop, type AnalysisLoop } from '../analysis/analysis-loop.ts';
import type { RetentionPolicy } from '../store/retention-store.ts';

export interface CollectOptions {
  databaseUrl: string;
  kubeconfig?: string;
  context?: string;
  /** A namespace, or undefined for all. */
  namespace?: string;
  allNamespaces: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  containers: string[];
  format?: FormatSpec;
  formatOrigin?: string;
  maxStreams: number;
  sinceMs?: number;
  history: boolean;
  /** Every this many ms, a one-line summary (0: never). */
  reportEveryMs: number;
  /** Every this many ms, the analysis refreshes the stored findings (0: never). */
  analyseEveryMs?: number;
  /** Rule codes silenced everywhere. */
  suppress?: string[];
  /** What the collector prunes, at start and every ~10 minutes; nothing when undefined. */
  retention?: RetentionPolicy;
}

/**
 * Has V8 collect this process's old generation sooner (a collector is long-running and, in the DaemonSet, has a
 * 512 MiB limit). Every parsed line lives until its batch commits, long enough to be promoted, so the old generation
 * fills with short-lived garbage, and by default V8 lets it grow to several times the live heap before a full
 * collection. Measured with the soak on a busy machine (one core taken by another process): RSS peaked at 558 MB
 * with the default and 390 MB with growth held to 1.5 times, every line stored either way; catch-up took 5% longer.
 * (--optimize-for-size held it too, but cost catch-up 35%.) Set at run time: V8 reads it at each collection.
 */
export function preferSmallHeap(): void {
  v8.setFlagsFromString('--heap-growing-percent=50');
}

export async function runCollect(o: CollectOptions, log: (line: string) => void, signal: AbortSignal): Promise<void> {
  const client = KubeClient.load({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}) });
  const namespace = o.allNamespaces ? undefined : (o.namespace ?? client.namespace);
  const store = await openCollectorStore(o.databaseUrl);
  let collector: Collector | undefined;
  let report: NodeJS.Timeout | undefined;
  let analysis: AnalysisLoop | undefined;
  try {
    collector = await Collector.start({
      client, store, containers: o.containers, maxStreams: o.maxStreams, history: o.history,
      ...(namespace ? { namespace } : {}),
      ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}),
      ...(o.fieldSelector ? { fieldSelector: o.fieldSelector } : {}),
      ...(o.format ? { format: { spec: o.format, origin: o.formatOrigin ?? `--format ${formatText(o.format).slice(0, 60)}` } } : {}),
      ...(o.sinceMs !== undefined ? { sinceMs: o.sinceMs } : {}),
      ...(o.retention ? { retention: { databaseUrl: o.databaseUrl, policy: o.retention } } : {}),
      log,
    });
    log(`collecting from ${client.server} (${namespace ? `namespace ${namespace}` : 'all namespaces'}${o.labelSelector ? `, pods ${o.labelSelector}` : ''}; containers ${o.containers.join(', ')}) into ${redact(o.databaseUrl)}`);
    log(`following ${collector.status().followed} containers; Ctrl-C stops (what was read is committed first)`);
    if (o.reportEveryMs > 0) report = setInterval(() => log(summary(collector!.status())), o.reportEveryMs);
    if ((o.analyseEveryMs ?? 30_000) > 0) analysis = startAnalysisLoop(o.databaseUrl, { everyMs: o.analyseEveryMs ?? 30_000, suppress: o.suppress ?? [], log });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    clearInterval(report);
    if (collector) {
      await collector.stop();
      log(`stopped: ${summary(collector.status())}`);
    }
    await analysis?.stop();
    await store.close();
  }
}

function summary(st: CollectorStatus): string {
  const lag = st.lagMs ? `, lag p95 ${st.lagMs.p95} ms` : '';
  const errors = Object.values(st.errors).reduce((a, b) => a + b, 0);
  return `${st.followed} containers, ${st.totals.records} records (${st.linesPerSecond}/s${lag}), ${st.totals.rejected} rejected, ${st.totals.gaps} gaps, ${errors} errors`;
}

/** Prints every collector's last status; false when none ever reported to this database. */
export async function printCollectStatus(databaseUrl: string, log: (line: string) => void): Promise<boolean> {
  const store = await openCollectorStore(databaseUrl);
  try {
    // Running collectors first, then the last one that stopped; older stopped ones are history.
    const rows = (await store.readStatuses()).map((r) => ({ ...r, status: JSON.parse(r.json) as CollectorStatus }));
    const running = rows.filter((r) => !r.status.stoppedAt);
    const stopped = rows.filter((r) => r.status.stoppedAt).sort((a, b) => b.updatedAt - a.updatedAt).slice(0, 1);
    for (const row of [...running, ...stopped]) log(statusText(row.status, row.updatedAt));
    return rows.length > 0;
  } finally {
    await store.close();
  }
}
