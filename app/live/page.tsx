// Live: records as the collector stores them, newest on top, streamed over Server-Sent Events (/api/live). The URL
// filters (except time) narrow the stream on the server; the quick filter narrows what is shown in the browser.
import { loadSettings } from '../../lib/settings';
import { prismaClientFor } from '../../lib/store/prisma-client';
import { filterQuery, parseFilterParams } from '../../lib/web/filter-params';
import { livePageData } from '../../lib/web/live-page-data';
import { liveFilterOf } from '../../lib/web/live-params';
import { BadFilter, FilterBar } from '../filter-bar';
import styles from './live.module.css';
import { LiveView } from './live-view';

export const dynamic = 'force-dynamic';

export default async function LivePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const parsed = parseFilterParams(await searchParams);
  if (!parsed.ok) return <BadFilter param={parsed.param} message={parsed.message} page="/live" />;
  const { records, afterId } = await livePageData(await prismaClientFor(loadSettings().databaseUrl), liveFilterOf(parsed.params));
  const query = filterQuery({ ...parsed.params, range: 'latest', from: undefined, to: undefined });
  return (
    <>
      <h1>Live</h1>
      {/* The time range does not apply to records arriving now: the bar's time field is hidden here. */}
      <div className={styles.filters}>
        <FilterBar params={parsed.params} />
      </div>
      <LiveView initial={records} afterId={afterId} streamQuery={query.slice(1)} />
    </>
  );
}
