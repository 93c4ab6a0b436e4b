// The filters every page shares, as a plain GET form: the URL holds them, so a view can be bookmarked and shared,
// and it works without JavaScript.
import type { FilterParams } from '../lib/web/filter-params';

const ranges: [string, string][] = [['latest', 'latest hour of data'], ['15m', 'last 15 min'], ['1h', 'last hour'], ['6h', 'last 6 h'], ['24h', 'last 24 h'], ['7d', 'last 7 days'], ['all', 'all time']];

export function FilterBar({ params, show = ['ns', 'pod', 'cluster', 'upstream', 'status', 'path'] }: { params: FilterParams; show?: (keyof FilterParams)[] }) {
  const has = (k: keyof FilterParams) => show.includes(k);
  const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());
  return (
    <form className="filters" method="get" aria-label="Filters">
      <label>Time
        <select name="range" defaultValue={params.range}>
          {ranges.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
        </select>
      </label>
      {(params.from !== undefined || params.to !== undefined) && (
        <>
          <label>From <input name="from" defaultValue={iso(params.from)} size={22} /></label>
          <label>To <input name="to" defaultValue={iso(params.to)} size={22} /></label>
        </>
      )}
      {has('ns') && <label>Namespace <input name="ns" defaultValue={params.ns ?? ''} size={10} /></label>}
      {has('pod') && <label>Source pod <input name="pod" defaultValue={params.pod ?? ''} size={18} /></label>}
      {has('cluster') && <label>Cluster <input name="cluster" defaultValue={params.cluster ?? ''} size={12} /></label>}
      {has('upstream') && <label>Upstream <input name="upstream" defaultValue={params.upstream ?? ''} placeholder="pod, Service or IP" size={16} /></label>}
      {has('status') && (
        <label>Status
          <select name="status" defaultValue={params.status ?? ''}>
            <option value="">any</option>
            {['1xx', '2xx', '3xx', '4xx', '5xx', 'none'].map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
      )}
      {has('path') && <label>Path prefix <input name="path" defaultValue={params.path ?? ''} placeholder="/api" size={12} /></label>}
      <button type="submit">Apply</button>
    </form>
  );
}

/** The page for a filter that does not parse: which parameter, and why. */
export function BadFilter({ param, message, page }: { param: string; message: string; page: string }) {
  return (
    <div className="empty" role="alert">
      <h1>Bad link</h1>
      <p>The query parameter <code>{param}</code> is not valid: {message}.</p>
      <a href={page}>Open this page without filters</a>
    </div>
  );
}
