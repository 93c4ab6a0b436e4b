// The balance report's slices as chart data: bars per upstream pod, and each pod's share per bucket. A pod keeps its
// colour (its place among the cluster's pods) in every chart of the cluster.
import type { BalanceSlice, SourceBalance } from '../../lib/analysis/balance';
import type { ShareBar } from '../charts/share-bar-chart';
import type { TimePoint } from '../charts/time-series-chart';

/** Pod names without their namespace when every pod of the cluster shares it. */
export function podLabeller(keys: readonly string[]): (key: string) => string {
  const namespaces = new Set(keys.map((k) => k.split('/')[0]));
  return namespaces.size === 1 ? (key) => key.slice(key.indexOf('/') + 1) : (key) => key;
}

export function shareBars(slice: BalanceSlice, order: readonly string[], label: (key: string) => string): ShareBar[] {
  return slice.pods.map((p) => ({
    label: label(p.key), requests: p.requests, share: p.share, expectedShare: p.expectedShare, tested: p.tested, expected: p.expected,
    colorIndex: Math.max(0, order.indexOf(p.key)),
  }));
}

/** Every bucket of the window; a pod's share is null in a bucket without records to pods. Keys p0, p1, … follow `order`. */
export function shareOverTime(source: SourceBalance, w: { fromMs: number; toMs: number; bucketMs: number }, order: readonly string[]): TimePoint[] {
  const byStart = new Map(source.buckets.map((b) => [b.startMs, b]));
  const count = Math.max(1, Math.ceil((w.toMs - w.fromMs) / w.bucketMs));
  return Array.from({ length: count }, (_, i) => {
    const t = w.fromMs + i * w.bucketMs;
    const bucket = byStart.get(t);
    const point: TimePoint & Record<string, number | null> = { t };
    order.forEach((key, k) => {
      const pod = bucket?.pods.find((p) => p.key === key);
      point[`p${k}`] = bucket && bucket.pods.some((p) => p.share !== null) ? (pod?.share ?? 0) : null;
    });
    return point;
  });
}
