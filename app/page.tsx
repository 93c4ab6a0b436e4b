// Overview: the traffic the URL's filters select (rate, errors, latency, requests over time), the open findings, and
// how ingest is doing. Every value from the logs renders as text.
import { filterQuery } from '../lib/web/filter-params';
import { loadOverview } from '../lib/web/chart-data';
import { pageFilter } from '../lib/web/page-filter';
import { formatDuration, formatTime, formatValue } from './charts/chart-format';
import { StatTile } from './charts/stat-tile';
import { TimeSeriesChart } from './charts/time-series-chart';
import { CollectionPanel } from './collection-panel';
import { BadFilter, FilterBar } from './filter-bar';
import { NoRecords } from './no-records';
import { WindowNote } from './window-note';

export const dynamic = 'force-dynamic';

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function OverviewPage({ searchParams }: { searchParams: SearchParams }) {
  const pf = await pageFilter(await searchParams);
  if (!pf.ok) return <BadFilter param={pf.param} message={pf.message} page="/" />;
  const { traffic, findings, collection, ingest } = await loadOverview(pf.filter);
  const open = findings.error + findings.warning + findings.info;
  return (
    <>
      <h1>Overview</h1>
      <FilterBar params={pf.params} />
      {!traffic ? <NoRecords title="The overview" page="/" params={pf.params} stored={pf.latestMs !== null} /> : (
        <>
          <WindowNote fromMs={traffic.window.fromMs} toMs={traffic.window.toMs} bucketMs={traffic.window.bucketMs} />
          <div className="tiles">
            <StatTile label="Request rate" value={formatValue(traffic.ratePerSecond, 'rate')}
              note={`${formatValue(traffic.traffic.requests, 'count')} requests in ${formatDuration(traffic.activeMs)} with records`} />
            <StatTile label="Error rate" value={formatValue(traffic.errorRate, 'share')} tone={traffic.traffic.errors > 0 ? 'bad' : undefined}
              note={`${formatValue(traffic.traffic.errors, 'count')} 5xx or no response`} href={`/responses${filterQuery(pf.params)}`} />
            <StatTile label="p50 latency" value={formatValue(traffic.latency.p50, 'ms')} href={`/latency${filterQuery(pf.params)}`} />
            <StatTile label="p95 latency" value={formatValue(traffic.latency.p95, 'ms')} href={`/latency${filterQuery(pf.params)}`} />
            <StatTile label="p99 latency" value={formatValue(traffic.latency.p99, 'ms')} href={`/latency${filterQuery(pf.params)}`} />
          </div>
          <TimeSeriesChart title="Requests over time" level={2} kind="area" unit="count" bucketMs={traffic.window.bucketMs} points={traffic.traffic.points}
            caption="Requests started in each bucket, and the errors among them (5xx, or no response)."
            series={[{ key: 'requests', label: 'requests', color: 'var(--series-1)' }, { key: 'errors', label: 'errors', color: 'var(--status-5xx)' }]} />
        </>
      )}
      <section className="section" aria-labelledby="findings-heading">
        <h2 id="findings-heading">Open findings</h2>
        <p className="summary">
          {findings.analyzedAtMs === null ? 'No analysis stored yet: the collector runs it while it follows a cluster, or run npx envoy-lens findings.'
            : `${open === 0 ? 'Nothing found' : `${open} open`} · analysed ${formatTime(findings.analyzedAtMs)}`}
          {findings.silenced > 0 && ` · ${findings.silenced} silenced`}
        </p>
        <div className="tiles">
          <StatTile label="Errors" value={findings.error} tone={findings.error > 0 ? 'bad' : undefined} href="/findings" note="ClusterIP leaks and other breakage" />
          <StatTile label="Warnings" value={findings.warning} tone={findings.warning > 0 ? 'warn' : undefined} href="/findings" />
          <StatTile label="Info" value={findings.info} href="/findings" />
        </div>
      </section>
      <section className="section" aria-labelledby="ingest-heading">
        <h2 id="ingest-heading">Ingest health</h2>
        <CollectionPanel rows={collection} />
        <div className="tiles">
          <StatTile label="Sources" value={formatValue(ingest.sources, 'count')} note="files and container instances read" href="/sources" />
          <StatTile label="Records stored" value={formatValue(ingest.records, 'count')} note={`of ${formatValue(ingest.linesRead, 'count')} lines read`} />
          <StatTile label="Rejected lines" value={formatValue(ingest.rejected, 'count')} tone={ingest.rejected > 0 ? 'warn' : undefined}
            note={ingest.linesRead > 0 ? `${formatValue(ingest.rejected / ingest.linesRead, 'share')} of lines read` : undefined} href="/sources" />
          <StatTile label="Gaps" value={formatValue(collection.gaps, 'count')} tone={collection.gaps > 0 ? 'warn' : undefined} note="log lines known to be missed" href="/sources" />
        </div>
      </section>
    </>
  );
}
