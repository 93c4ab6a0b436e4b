// Balance: per Envoy cluster, how its requests spread over the upstream pods against the share each should have got
// (from the endpoints ready at each request), over time, and per source sidecar. Namespace, source pod, cluster and
// upstream filters choose what is shown (see lib/analysis/balance-view.ts); the split itself is always over all the
// cluster's records in the window, so status and path filters do not apply.
import { loadBalance } from '../../lib/web/balance-data';
import { pageFilter } from '../../lib/web/page-filter';
import { formatValue } from '../charts/chart-format';
import { BadFilter, FilterBar } from '../filter-bar';
import { NoRecords } from '../no-records';
import { WindowNote } from '../window-note';
import { ClusterSection } from './cluster-section';

export const dynamic = 'force-dynamic';

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function BalancePage({ searchParams }: { searchParams: SearchParams }) {
  const pf = await pageFilter(await searchParams);
  if (!pf.ok) return <BadFilter param={pf.param} message={pf.message} page="/balance" />;
  const data = pf.latestMs === null ? null : await loadBalance(pf.filter);
  const ignored = [pf.params.status && 'status', pf.params.path && 'path prefix'].filter(Boolean);
  return (
    <>
      <h1>Balance</h1>
      <FilterBar params={pf.params} show={['ns', 'pod', 'cluster', 'upstream']} />
      {!data || data.clusters.length === 0 ? (
        data && data.allClusters > 0
          ? <div className="empty"><h2>No cluster matches</h2><p>{data.allClusters} Envoy cluster{data.allClusters === 1 ? '' : 's'} had traffic in this window, none that matches these filters. <a href="/balance">Clear the filters</a>.</p></div>
          : <NoRecords title="The balance" page="/balance" params={pf.params} stored={pf.latestMs !== null} />
      ) : (
        <>
          <WindowNote fromMs={data.fromMs} toMs={data.toMs} bucketMs={data.bucketMs}>
            {' '}· {formatValue(data.clusters.length, 'count')} of {formatValue(data.allClusters, 'count')} Envoy clusters
            {ignored.length > 0 && ` · the ${ignored.join(' and ')} filter does not apply here: a split is over all of a cluster's requests`}
          </WindowNote>
          {data.clusters.map((view, i) => <ClusterSection key={`${view.cluster.label}-${i}`} view={view} window={data} index={i} />)}
          {data.notes.length > 0 && (
            <details className="summary">
              <summary>Analysis notes ({data.notes.length})</summary>
              <ul>{data.notes.map((n, i) => <li key={i}>{n}</li>)}</ul>
            </details>
          )}
        </>
      )}
    </>
  );
}
