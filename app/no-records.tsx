// What a chart page says when it has nothing to draw: no records stored at all (how to get some), or none that match
// the filters (how to widen them).
import { filterQuery, type FilterParams } from '../lib/web/filter-params';

export function NoRecords({ title, page, params, stored }: { title: string; page: string; params: FilterParams; stored: boolean }) {
  if (!stored) {
    return (
      <div className="empty">
        <h2>No requests yet</h2>
        <p>Follow a cluster&apos;s Envoy sidecars with <code>npx envoy-lens collect</code>, or import an access log:</p>
        <p><code>npx envoy-lens import --config envoy.yaml access.log</code></p>
        <p>or run <code>npm run demo</code> for a sample from the seed scenario. {title} fills in as records arrive.</p>
      </div>
    );
  }
  return (
    <div className="empty">
      <h2>No requests match</h2>
      <p>No stored request matches these filters in this time range.</p>
      <p>
        <a href={`${page}${filterQuery(params, { range: 'all' })}`}>Look over all time</a> or{' '}
        <a href={page}>clear the filters</a>.
      </p>
    </div>
  );
}
