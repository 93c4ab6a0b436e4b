// Requests: the newest stored records, 100 a page. React escapes every value, so log text always renders as text.
import { z } from 'zod';
import { loadSettings } from '../../lib/settings';
import { prismaFor } from '../../lib/store/prisma-client';
import { collectionRows, type CollectionRows } from '../../lib/store/queries/collection-status';
import { ingestTotals, type IngestTotals } from '../../lib/store/queries/ingest-totals';
import { listRecords, type RecordPage } from '../../lib/store/queries/records';
import { CollectionPanel } from '../collection-panel';
import { RecordsTable } from './records-table';

export const dynamic = 'force-dynamic';

const querySchema = z.object({
  before: z.coerce.number().int().positive().optional(),
});

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function RequestsPage({ searchParams }: { searchParams: SearchParams }) {
  const query = querySchema.safeParse(await searchParams);
  if (!query.success) {
    return (
      <div className="empty" role="alert">
        <h1>Bad link</h1>
        <p>The query parameter <code>{query.error.issues[0]?.path.join('.')}</code> is not valid: {query.error.issues[0]?.message}.</p>
        <a href="/">Show the newest requests</a>
      </div>
    );
  }
  let page: RecordPage;
  let totals: IngestTotals;
  let collection: CollectionRows;
  try {
    const prisma = prismaFor(loadSettings().databaseUrl);
    [page, totals, collection] = await Promise.all([listRecords(prisma, { before: query.data.before, limit: 100 }), ingestTotals(prisma), collectionRows(prisma)]);
  } catch (err) {
    if (isMissingTable(err)) return <EmptyState />;
    throw err;
  }
  if (page.total === 0) return <EmptyState collection={collection} />;
  return (
    <>
      <h1>Requests</h1>
      <CollectionPanel rows={collection} />
      <p className="summary">
        {page.total.toLocaleString('en-US')} records stored · newest first · from {count(totals.sources, 'source')},{' '}
        {count(totals.linesRead, 'line')} read, {count(totals.rejected, 'line')} rejected,{' '}
        {count(totals.ambiguous, 'record')} with ambiguous fields
      </p>
      <RecordsTable records={page.records} />
      <div className="pager">
        {query.data.before !== undefined && <a href="/">Newest</a>}
        {page.nextBefore !== null && <a href={`/?before=${page.nextBefore}`}>Older →</a>}
      </div>
    </>
  );
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

function isMissingTable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'P2021';
}

function EmptyState({ collection }: { collection?: CollectionRows }) {
  return (
    <div className="empty">
      <h1>No requests yet</h1>
      {collection && <CollectionPanel rows={collection} />}
      <p>Follow a cluster&apos;s Envoy sidecars with <code>npx envoy-lens collect</code>, or import an access log:</p>
      <p><code>npx envoy-lens import --config envoy.yaml access.log</code></p>
      <p>or run <code>npm run demo</code> for a sample from the seed scenario.</p>
    </div>
  );
}
