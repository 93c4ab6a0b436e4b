// /trace?id=<id>: where the request-id search form lands; it goes on to /trace/<id>. Without an id, the form alone.
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { traceHref } from '../../lib/web/links';
import { requestIdSchema } from '../../lib/web/trace-lookup';
import { BadFilter } from '../filter-bar';
import { RequestIdSearch } from './request-id-search';

export const dynamic = 'force-dynamic';

const querySchema = z.object({ id: z.union([requestIdSchema, z.literal('')]).optional() });

export default async function TraceSearchPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = querySchema.safeParse(await searchParams);
  if (!query.success) return <BadFilter param="id" message={query.error.issues[0]?.message ?? 'not a request id'} page="/trace" />;
  if (query.data.id) redirect(traceHref(query.data.id));
  return (
    <>
      <h1>Trace a request</h1>
      <p className="summary">Every hop of one request across sidecars, by its X-Request-ID. Give the id, or how it starts.</p>
      <RequestIdSearch />
    </>
  );
}
