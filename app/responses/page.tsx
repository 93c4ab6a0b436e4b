// Responses: status classes over time, the status codes, and Envoy's response flags with what they mean, for the
// records the URL's filters select. Every value from the logs renders as text.
import { STATUS_CLASSES, type StatusClass, type TrafficSeries as Traffic } from '../../lib/analysis/traffic-series';
import { filterQuery, type FilterParams } from '../../lib/web/filter-params';
import { loadResponses } from '../../lib/web/chart-data';
import { pageFilter } from '../../lib/web/page-filter';
import { formatValue } from '../charts/chart-format';
import { StatTile } from '../charts/stat-tile';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { BadFilter, FilterBar } from '../filter-bar';
import { NoRecords } from '../no-records';
import { WindowNote } from '../window-note';

export const dynamic = 'force-dynamic';

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const classLabel: Record<StatusClass, string> = { '1xx': '1xx', '2xx': '2xx', '3xx': '3xx', '4xx': '4xx', '5xx': '5xx', none: 'no response' };
const FLAG_SERIES = 6;

export default async function ResponsesPage({ searchParams }: { searchParams: SearchParams }) {
  const pf = await pageFilter(await searchParams);
  if (!pf.ok) return <BadFilter param={pf.param} message={pf.message} page="/responses" />;
  const report = pf.latestMs === null ? null : await loadResponses(pf.filter);
  return (
    <>
      <h1>Responses</h1>
      <FilterBar params={pf.params} />
      {!report ? <NoRecords title="This page" page="/responses" params={pf.params} stored={pf.latestMs !== null} /> : (
        <>
          <WindowNote fromMs={report.window.fromMs} toMs={report.window.toMs} bucketMs={report.window.bucketMs} />
          <div className="tiles">
            <StatTile label="Requests" value={formatValue(report.traffic.requests, 'count')} />
            {STATUS_CLASSES.filter((c) => c === '2xx' || c === '5xx' || report.traffic.byClass[c] > 0).map((c) => (
              <StatTile key={c} label={classLabel[c]} value={formatValue(report.traffic.byClass[c] / report.traffic.requests, 'share')}
                note={`${formatValue(report.traffic.byClass[c], 'count')} requests`} tone={(c === '5xx' || c === 'none') && report.traffic.byClass[c] > 0 ? 'bad' : undefined}
                href={`/requests${filterQuery(pf.params, { status: c })}`} />
            ))}
          </div>
          <TimeSeriesChart title="Status classes over time" level={2} kind="stacked-area" unit="count" bucketMs={report.window.bucketMs} points={report.traffic.points}
            caption="Requests per bucket by status class, stacked: the top edge is all requests. No response: Envoy logged no status (the stream ended first)."
            series={STATUS_CLASSES.filter((c) => c === '2xx' || report.traffic.byClass[c] > 0).map((c) => ({ key: c, label: classLabel[c], color: `var(--status-${c})` }))} />
          <div className="chart-grid">
            <StatusCodes report={report.traffic} params={pf.params} />
            <ResponseFlags report={report.traffic} />
          </div>
          {report.traffic.flags.length > 0 && (
            <TimeSeriesChart title="Response flags over time" level={2} unit="count" bucketMs={report.window.bucketMs} points={report.traffic.flagPoints}
              caption={`Requests per bucket carrying each flag${report.traffic.flags.length > FLAG_SERIES ? ` (the ${FLAG_SERIES} most frequent)` : ''}.`}
              series={report.traffic.flags.slice(0, FLAG_SERIES).map((f, k) => ({ key: `f${k}`, label: f.flag }))} />
          )}
        </>
      )}
    </>
  );
}

function StatusCodes({ report, params }: { report: Traffic; params: FilterParams }) {
  return (
    <section className="panel">
      <h2>Status codes</h2>
      <div className="table-wrap">
        <table>
          <thead><tr><th scope="col">Status</th><th scope="col" className="num">Requests</th><th scope="col" className="num">Share</th><th scope="col">Show</th></tr></thead>
          <tbody>
            {report.statusCodes.map((c) => (
              <tr key={c.status ?? 'none'}>
                <td className={c.status === null ? undefined : `status-${Math.floor(c.status / 100)}`}>{c.status ?? 'no response'}</td>
                <td className="num">{formatValue(c.count, 'count')}</td>
                <td className="num">{formatValue(c.count / report.requests, 'share')}</td>
                <td><a href={`/requests${filterQuery(params, { status: c.statusClass })}`}>{classLabel[c.statusClass]} →</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ResponseFlags({ report }: { report: Traffic }) {
  return (
    <section className="panel">
      <h2>Response flags</h2>
      {report.flags.length === 0 ? <p className="summary">No request carried a response flag: Envoy reported no failure of its own.</p> : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Flag</th><th scope="col">Meaning</th><th scope="col" className="num">Requests</th><th scope="col" className="num">Share</th></tr></thead>
            <tbody>
              {report.flags.map((f) => (
                <tr key={f.flag}>
                  <td><span className="flag">{f.flag}</span></td>
                  <td className="wrap">{f.meaning ?? 'Not one of Envoy’s core flags (an extension’s?)'}</td>
                  <td className="num">{formatValue(f.count, 'count')}</td>
                  <td className="num">{formatValue(f.count / report.requests, 'share')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
