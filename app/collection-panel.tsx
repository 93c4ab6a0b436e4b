// Live collection at a glance: what the running collector reported last (containers, rate, lag, errors) and the gaps
// recorded. Server component; every value is text React escapes.
import type { CollectorStatus } from '../lib/kube/collector-status';
import type { CollectionRows } from '../lib/store/queries/collection-status';

export function CollectionPanel({ rows }: { rows: CollectionRows }) {
  const parsed = rows.statuses.map((r) => ({ ...r, status: JSON.parse(r.json) as CollectorStatus }));
  const live = parsed.find((r) => !r.status.stoppedAt && Date.now() - r.updatedAt.getTime() < 30_000);
  if (!live) {
    const last = parsed[0];
    return (
      <p className="collection idle">
        {last ? `The collector stopped reporting at ${last.updatedAt.toISOString()}. ` : 'No live collector. '}
        Follow a cluster with <code>npx envoy-lens collect</code>.
        {rows.gaps > 0 && ` ${rows.gaps} gaps recorded.`}
      </p>
    );
  }
  const s = live.status;
  const errors = Object.values(s.errors).reduce((a, b) => a + b, 0);
  return (
    <p className="collection live" aria-label="live collection">
      Live: following {s.followed} container{s.followed === 1 ? '' : 's'}
      {s.waiting.length > 0 && ` (${s.waiting.length} waiting over the limit)`} · {s.linesPerSecond} records/s
      {s.lagMs && ` · lag p95 ${s.lagMs.p95} ms`} · {rows.otherLines.toLocaleString('en-US')} Envoy messages counted
      {` · ${rows.gaps} gap${rows.gaps === 1 ? '' : 's'}`} · {errors} error{errors === 1 ? '' : 's'}
    </p>
  );
}
