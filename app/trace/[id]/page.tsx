// /trace/<X-Request-ID>: every hop of one request on a timeline, then as a table. An id no record has exactly lists
// the ids that start with it. React escapes every value: request ids and paths are log text.
import { redirect } from 'next/navigation';
import { loadSettings } from '../../../lib/settings';
import { prismaClientFor } from '../../../lib/store/prisma-client';
import { TRACE_LIMIT_MAX } from '../../../lib/store/queries/trace-records';
import { traceHref } from '../../../lib/web/links';
import { decodePathSegment, lookUpTrace, MIN_PREFIX, requestIdSchema } from '../../../lib/web/trace-lookup';
import { formatMs, traceTimeline } from '../../../lib/web/trace-timeline';
import { BadFilter } from '../../filter-bar';
import { RequestIdSearch } from '../request-id-search';
import styles from '../trace.module.css';
import { HopsTable } from './hops-table';
import { TraceTimeline } from './trace-timeline';

export const dynamic = 'force-dynamic';

export default async function TracePage({ params }: { params: Promise<{ id: string }> }) {
  const segment = decodePathSegment((await params).id);
  if (segment === null) return <BadFilter param="id" message="a % in it does not start a valid escape" page="/trace" />;
  const id = requestIdSchema.safeParse(segment);
  if (!id.success) return <BadFilter param="id" message={id.error.issues[0]?.message ?? 'not a request id'} page="/trace" />;
  const found = await lookUpTrace(await prismaClientFor(loadSettings().databaseUrl), id.data);
  if (found.kind === 'matches' && found.matches.length === 1) redirect(traceHref(found.matches[0]!.requestId));

  if (found.kind === 'none') {
    return (
      <>
        <div className="empty" role="status">
          <h1>No request with this id</h1>
          <p>
            No stored record has an X-Request-ID equal to{found.shortPrefix ? '' : ', or starting with,'} <code>{found.prefix}</code>.
            {found.shortPrefix && ` To search by the start of an id, give at least ${MIN_PREFIX} characters.`}
          </p>
          <p>Request ids are compared exactly, case and all. Envoy logs one only when the format has <code>%REQ(X-REQUEST-ID)%</code>.</p>
          <RequestIdSearch defaultValue={found.prefix} />
          <p><a href="/requests">Browse the requests</a></p>
        </div>
      </>
    );
  }
  if (found.kind === 'matches') {
    return (
      <>
        <h1>Request ids starting with <span className={styles.requestId}>{found.prefix}</span></h1>
        <p className="summary">No record has exactly this id; {found.matches.length} id{found.matches.length === 1 ? '' : 's'} start with it, newest first.</p>
        <ul className={styles.matches} aria-label="matching request ids">
          {found.matches.map((m) => (
            <li key={m.requestId}>
              <a className="mono" href={traceHref(m.requestId)}>{m.requestId}</a>{' '}
              <span className={styles.note}>
                · {m.hops} hop{m.hops === 1 ? '' : 's'}{m.firstMs !== null && ` · ${new Date(m.firstMs).toISOString()}`}
              </span>
            </li>
          ))}
        </ul>
        <RequestIdSearch defaultValue={found.prefix} />
      </>
    );
  }

  const { trace, truncated } = found;
  const timeline = traceTimeline(trace);
  return (
    <>
      <div className={styles.header}>
        <div>
          <h1>Trace <span className={styles.requestId}>{trace.requestId}</span></h1>
          <p className={styles.note}>
            {trace.hops.length} hop{trace.hops.length === 1 ? '' : 's'}
            {trace.spanMs !== null && ` · ${formatMs(trace.spanMs)} end to end`}
            {trace.startMs !== null && ` · started ${new Date(Math.floor(trace.startMs)).toISOString()}`}
            {` · ${trace.maxDepth} level${trace.maxDepth === 1 ? '' : 's'} deep`}
            {' · '}<a href={`/api${traceHref(trace.requestId ?? id.data)}`}>JSON</a>
          </p>
          {truncated && <p className={styles.note}>Only the first {TRACE_LIMIT_MAX} records of this id are shown.</p>}
        </div>
        <RequestIdSearch />
      </div>
      <TraceTimeline timeline={timeline} />
      <HopsTable timeline={timeline} />
    </>
  );
}
