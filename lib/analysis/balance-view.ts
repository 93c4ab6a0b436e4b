// The balance report narrowed to the dashboard's filters. The report is computed over all traffic of the window
// (the expectation needs every record to the cluster); the filters then choose what is shown:
// - cluster: clusters whose Envoy cluster name (or label) is the one asked;
// - namespace / source pod: the sidecars in that namespace / with that pod name, and the clusters they sent to;
// - upstream: clusters that sent records to that pod, Service or IP.
// Status and path filters do not apply: the split is over every request the cluster sent.
import type { BalanceSlice, ClusterBalance, SourceBalance } from './balance.ts';
import { UNBALANCED_MAX_P, UNBALANCED_MIN_RATIO, UNBALANCED_MIN_RECORDS } from './balance-findings.ts';

export interface BalanceFilter {
  namespace?: string;
  sourcePod?: string;
  cluster?: string;
  upstream?: string;
}

export interface ClusterView {
  cluster: ClusterBalance;
  /** What the main charts show: the cluster over every sidecar, or the only sidecar the filter keeps. */
  main: SourceBalance;
  /** The sidecars the filter keeps. */
  sources: SourceBalance[];
  /** Sidecars left out by the filter; when `main` is the overall view, their records are in it. */
  hiddenSources: number;
}

const sourceMatches = (s: SourceBalance, f: BalanceFilter) =>
  (f.namespace === undefined || s.source?.namespace === f.namespace) && (f.sourcePod === undefined || s.source?.pod === f.sourcePod);

/** Whether the slice sent records to this pod (name or namespace/name), Service name, or IP. */
export function sentTo(slice: BalanceSlice, upstream: string): boolean {
  return slice.pods.some((p) => p.requests > 0 && (p.pod === upstream || p.key === upstream))
    || slice.outsideEndpoints.upstreams.some((u) => u.ip === upstream || u.pod === upstream)
    || slice.serviceUpstreams.services.some((s) => s.name === upstream || s.ip === upstream);
}

export function balanceView(clusters: readonly ClusterBalance[], f: BalanceFilter): ClusterView[] {
  const views: ClusterView[] = [];
  for (const cluster of clusters) {
    if (f.cluster !== undefined && cluster.cluster !== f.cluster && cluster.label !== f.cluster) continue;
    if (f.upstream !== undefined && !sentTo(cluster.overall.window, f.upstream)) continue;
    const sources = cluster.sources.filter((s) => sourceMatches(s, f));
    if (sources.length === 0) continue;
    const all = sources.length === cluster.sources.length;
    views.push({ cluster, main: all || sources.length > 1 ? cluster.overall : sources[0]!, sources, hiddenSources: cluster.sources.length - sources.length });
  }
  return views;
}

export type BalanceVerdict = 'uneven' | 'slightly-uneven' | 'even' | 'untested';

/**
 * One word for a slice's imbalance, on the thresholds of the imbalance finding (EL0012): uneven when the split is
 * unlikely to be chance and the busiest pod got visibly more than the quietest (or a pod got nothing).
 */
export function balanceVerdict(slice: BalanceSlice): BalanceVerdict {
  const i = slice.imbalance;
  if (i.pValue === null) return 'untested';
  if (i.pValue >= UNBALANCED_MAX_P) return 'even';
  const visible = i.zeroPod || (i.maxMinRatio !== null && i.maxMinRatio >= UNBALANCED_MIN_RATIO);
  return visible && slice.tested >= UNBALANCED_MIN_RECORDS ? 'uneven' : 'slightly-uneven';
}
