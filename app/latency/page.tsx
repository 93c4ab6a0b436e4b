// Latency: how long requests took (Envoy's %DURATION%) for the records the URL's filters select: p50/p95/p99 over time,
// per upstream, and a histogram. Records whose format has no duration are left out.
import { LATENCY_TABLE_UPSTREAMS } from '../../lib/analysis/chart-reports';
import { filterQuery } from '../../lib/web/filter-params';
import { loadLatency } from '../../lib/web/chart-data';
import { pageFilter } from '../../lib/web/page-filter';
import { formatValue } from '../charts/chart-format';
import { GroupedBarChart } from '../charts/grouped-bar-chart';
import { HistogramChart } from '../charts/histogram-chart';
import { StatTile } from '../charts/stat-tile';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { BadFilter, FilterBar } from '../filter-bar';
import { NoRecords } from '../no-records';
import { WindowNote } from '../window-note';

export const dynamic = 'force-dynamic';

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const percentileLines = [
  { key: 'p50', label: 'p50', color: 'var(--series-2)' },
  { key: 'p95', label: 'p95', color: 'var(--series-3)' },
  { key: 'p99', label: 'p99', color: 'var(--series-5)' },
];

export default async function LatencyPage({ searchParams }: { searchParams: SearchParams }) {
  const pf = await pageFilter(await searchParams);
  if (!pf.ok) return <BadFilter param={pf.param} message={pf.message} page="/latency" />;
  const report = pf.latestMs === null ? null : await loadLatency(pf.filter);
  const untimed = report ? report.span.records - report.overall.count : 0;
  return (
    <>
      <h1>Latency</h1>
      <FilterBar params={pf.params} />
      {!report ? <NoRecords title="This page" page="/latency" params={pf.params} stored={pf.latestMs !== null} /> : (
        <>
          <WindowNote fromMs={report.window.fromMs} toMs={report.window.toMs} bucketMs={report.window.bucketMs}>
            {' '}· Envoy&apos;s %DURATION%: first byte in to last byte out
            {untimed > 0 && ` · ${formatValue(untimed, 'count')} requests logged no duration and are left out`}
          </WindowNote>
          <div className="tiles">
            <StatTile label="p50" value={formatValue(report.overall.p50, 'ms')} />
            <StatTile label="p95" value={formatValue(report.overall.p95, 'ms')} />
            <StatTile label="p99" value={formatValue(report.overall.p99, 'ms')} />
            <StatTile label="Requests timed" value={formatValue(report.overall.count, 'count')} />
          </div>
          {report.overall.count === 0 ? (
            <div className="empty"><p>None of these requests logged a duration: their access-log format has no <code>%DURATION%</code>.</p></div>
          ) : (
            <>
              <TimeSeriesChart title="Percentiles over time" level={2} unit="ms" yScale="log" bucketMs={report.window.bucketMs} points={report.series} series={percentileLines}
                caption={`p50, p95 and p99 of the requests started in each bucket (nearest rank: a duration that happened), on a log scale. Gaps: no request.${report.latencyApproximate ? ' Over this window durations are read from per-minute and per-hour histograms: every percentile on this page is within 1.6 % of the exact one.' : ''}`} />
              <div className="chart-grid">
                <TimeSeriesChart title="p95 per upstream over time" unit="ms" yScale="log" bucketMs={report.window.bucketMs} points={report.upstreamSeries}
                  caption={`The ${report.charted.length} busiest upstreams (pod, else Service, else the address Envoy logged), on a log scale.`}
                  series={report.charted.map((u, i) => ({ key: `u${i}`, label: u }))} />
                <GroupedBarChart title="Percentiles per upstream" unit="ms" series={percentileLines}
                  caption="Over the whole window, the busiest upstreams."
                  rows={report.upstreams.slice(0, report.charted.length).map((u) => ({ label: u.upstream, p50: u.p50, p95: u.p95, p99: u.p99 }))} />
              </div>
              <section className="panel">
                <h2>Upstreams</h2>
                <p className="summary">The {LATENCY_TABLE_UPSTREAMS} busiest upstreams at most; a name narrows every page to it.</p>
                <div className="table-wrap">
                  <table>
                    <thead>
                      <tr><th scope="col">Upstream</th><th scope="col" className="num">Requests</th><th scope="col" className="num">Timed</th>
                        <th scope="col" className="num">p50</th><th scope="col" className="num">p95</th><th scope="col" className="num">p99</th></tr>
                    </thead>
                    <tbody>
                      {report.upstreams.map((u) => (
                        <tr key={u.upstream}>
                          <td className="clip wide"><a href={`/latency${filterQuery(pf.params, { upstream: u.upstream })}`}>{u.upstream}</a></td>
                          <td className="num">{formatValue(u.records, 'count')}</td>
                          <td className="num">{formatValue(u.count, 'count')}</td>
                          <td className="num">{formatValue(u.p50, 'ms')}</td>
                          <td className="num">{formatValue(u.p95, 'ms')}</td>
                          <td className="num">{formatValue(u.p99, 'ms')}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </section>
              <HistogramChart title="Duration histogram" level={2} bins={report.histogram}
                caption="Requests per duration range; the ranges grow 1-2-5 (0–1 ms, 1–2, 2–5, 5–10 ms …), even steps on a log scale." />
            </>
          )}
        </>
      )}
    </>
  );
}
