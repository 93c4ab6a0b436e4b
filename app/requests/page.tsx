// Requests: the records of the URL filter, 100 a page, newest first, with the filter's total, its CSV/NDJSON export
// and a request-id search. React escapes every value, so log text always renders as text.
import { z } from 'zod';
import { loadSettings } from '../../lib/settings';
import { prismaClientFor } from '../../lib/store/prisma-client';
import { activeFilters } from '../../lib/web/filter-labels';
import { filterQuery, pinnedParams, type FilterParams } from '../../lib/web/filter-params';
import { exportHref, withFilter } from '../../lib/web/links';
import { pageFilter } from '../../lib/web/page-filter';
import { requestsPageData, type RequestsPageData } from '../../lib/web/requests-page-data';
import { formatTimeCursor, timeCursorSchema } from '../../lib/web/time-cursor';
import { CollectionPanel } from '../collection-panel';
import { when } from '../sources/text';
import { BadFilter, FilterBar } from '../filter-bar';
import { RequestIdSearch } from '../trace/request-id-search';
import { RecordsTable } from './records-table';
import styles from './requests.module.css';

export const dynamic = 'force-dynamic';

const pageSchema = z.object({ before: timeCursorSchema.optional() });

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function RequestsPage({ searchParams }: { searchParams: SearchParams }) {
  const search = await searchParams;
  const paging = pageSchema.safeParse(search);
  if (!paging.success) return <BadFilter param="before" message={paging.error.issues[0]?.message ?? 'not a page position'} page="/requests" />;
  const filter = await pageFilter(search);
  if (!filter.ok) return <BadFilter param={filter.param} message={filter.message} page="/requests" />;
  const before = paging.data.before;
  const data = await requestsPageData(await prismaClientFor(loadSettings().databaseUrl), filter.filter, before);
  const active = activeFilters(filter.params);
  if (!data || (data.page.total === 0 && active.length === 0 && before === undefined)) return <NothingCollected data={data} />;
  const { page, totals, collection } = data;
  const p = filter.params;
  // Older pages and the export keep the window this page showed, even as newer records arrive.
  const pinned = pinnedParams(p, filter.filter);
  return (
    <>
      <h1>Requests</h1>
      <CollectionPanel rows={collection} />
      <FilterBar params={p} />
      <div className={styles.toolbar}>
        <RequestIdSearch />
        {page.total > 0 && (
          <p className={styles.exports}>
            Export this filter: <a href={exportHref('csv', pinned)} download>CSV</a> · <a href={exportHref('ndjson', pinned)} download>NDJSON</a>
          </p>
        )}
      </div>
      {page.total === 0 && !page.searched ? (
        <NoMatch params={p} />
      ) : (
        <>
          <p className="summary">
            {matches(page.total, page.totalCapped)}{page.searched && ' so far'} · newest first · from {count(totals.sources, 'source')},{' '}
            {count(totals.linesRead, 'line')} read, {count(totals.rejected, 'line')} rejected, {count(totals.ambiguous, 'record')} with ambiguous fields
          </p>
          {page.searched && (
            <p className="summary" role="status">
              Searched the records starting {when(page.searched.fromMs)} – {when(page.searched.toMs)}
              {page.next ? '; a path or request id is not in the rollups, so the window is searched a part at a time: Older → searches further back.' : '.'}
            </p>
          )}
          {page.records.length > 0 && <RecordsTable records={page.records} />}
        </>
      )}
      <nav className="pager" aria-label="Pages">
        {before !== undefined && <a href={`/requests${filterQuery(p)}`}>Newest</a>}
        {page.next !== null && <a href={withFilter('/requests', pinned, { before: formatTimeCursor(page.next) })}>Older →</a>}
      </nav>
    </>
  );
}

function matches(total: number, capped: boolean): string {
  if (capped) return `More than ${count(total, 'record')} match`;
  if (total === 0) return 'No records match';
  return `${count(total, 'record')} match${total === 1 ? 'es' : ''}`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** Records exist, but none match: which filters are on, each removable, and a way to clear them all. */
function NoMatch({ params }: { params: FilterParams }) {
  const active = activeFilters(params);
  return (
    <div className="empty" role="status">
      <h2>No requests match these filters</h2>
      <ul className={styles.activeFilters}>
        {active.map((f) => (
          <li key={f.param}>
            {f.label}: <code>{f.value}</code>{' '}
            <a href={`/requests${filterQuery(params, { [f.param]: undefined })}`} aria-label={`remove the ${f.label} filter`}>remove</a>
          </li>
        ))}
      </ul>
      <p><a href="/requests">Clear all filters</a> to see the latest hour of data.</p>
    </div>
  );
}

function NothingCollected({ data }: { data: RequestsPageData | null }) {
  return (
    <div className="empty">
      <h1>No requests yet</h1>
      {data && <CollectionPanel rows={data.collection} />}
      <p>Follow a cluster&apos;s Envoy sidecars with <code>npx envoy-lens collect</code>, or import an access log:</p>
      <p><code>npx envoy-lens import --config envoy.yaml access.log</code></p>
      <p>or run <code>npm run demo</code> for a sample from the seed scenario.</p>
    </div>
  );
}
