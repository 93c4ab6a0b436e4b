// Sources: where lines come from and how reading them went. The live collectors' status, the followed containers
// (grouped by pod) and imported files with their formats, the lines that did not parse (raw text, escaped) and the
// gaps the collector recorded. Query parameters: `source` (a source id) and `rejectedBefore` (keyset page).
import { z } from 'zod';
import { loadSettings } from '../../lib/settings';
import { prismaClientFor } from '../../lib/store/prisma-client';
import { sourcesPage, type SourcesPage } from '../../lib/store/queries/sources';
import { BadFilter } from '../filter-bar';
import { CollectorCards, liveStates } from './collector-card';
import { GapsTable } from './gaps-table';
import { RejectedLines } from './rejected-lines';
import { FileSourcesTable, PodSourcesTable } from './source-tables';
import styles from './sources.module.css';
import { num, plural } from './text';

export const dynamic = 'force-dynamic';

const positiveId = z.string().regex(/^\d{1,15}$/, 'expected a positive whole number').transform(Number).pipe(z.number().int().positive('expected a positive whole number'));
const querySchema = z.object({ source: positiveId.optional(), rejectedBefore: positiveId.optional() });

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SourcesPageView({ searchParams }: { searchParams: SearchParams }) {
  const raw = await searchParams;
  for (const key of Object.keys(querySchema.shape)) {
    if (Array.isArray(raw[key])) return <BadFilter param={key} message="given more than once" page="/sources" />;
  }
  const query = querySchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '')));
  if (!query.success) {
    const issue = query.error.issues[0]!;
    return <BadFilter param={issue.path.join('.') || 'query'} message={issue.message} page="/sources" />;
  }
  let data: SourcesPage;
  try {
    data = await sourcesPage(await prismaClientFor(loadSettings().databaseUrl), { rejectedBefore: query.data.rejectedBefore, sourceId: query.data.source });
  } catch (err) {
    if ((err as { code?: string }).code === 'P2021') return <EmptyState />;
    throw err;
  }
  const { sources, rejected, gaps, collectors } = data;
  if (sources.total === 0 && collectors.length === 0) return <EmptyState />;
  const now = Date.now();
  const instances = sources.pods.reduce((n, p) => n + p.sources.length, 0);
  return (
    <>
      <h1>Sources</h1>
      <p className="summary">
        {plural(instances, 'container instance')} in {plural(sources.pods.length, 'pod')} · {plural(sources.files.length, 'imported file')}
        {sources.total > instances + sources.files.length && ` (newest ${num(instances + sources.files.length)} of ${num(sources.total)} sources listed)`}
        {' · '}{plural(rejected.total, 'rejected line')}{query.data.source !== undefined && ' from the selected source'} · {plural(gaps.total, 'gap')}
      </p>
      <nav className={styles.jump} aria-label="Sections">
        <a href="#collectors">Collectors</a><a href="#containers">Containers</a><a href="#files">Files</a>
        <a href="#rejected">Rejected lines</a><a href="#gaps">Gaps</a>
      </nav>
      <section id="collectors" className={styles.section}>
        <h2>Live collection</h2>
        <CollectorCards collectors={collectors} now={now} />
      </section>
      <section id="containers" className={styles.section}>
        <h2>Followed containers</h2>
        {sources.pods.length === 0
          ? <p className={styles.note}>No pod containers read yet: <code>npx envoy-lens collect</code> follows a cluster&apos;s Envoy sidecars.</p>
          : <PodSourcesTable pods={sources.pods} live={liveStates(collectors, now)} />}
      </section>
      <section id="files" className={styles.section}>
        <h2>Imported files</h2>
        {sources.files.length === 0
          ? <p className={styles.note}>No files imported. <code>npx envoy-lens import --config envoy.yaml access.log</code> reads one.</p>
          : <FileSourcesTable files={sources.files} />}
      </section>
      <section id="rejected" className={styles.section}>
        <h2>Rejected lines</h2>
        <RejectedLines page={rejected} sources={data.rejectSources} sourceId={query.data.source} before={query.data.rejectedBefore} />
      </section>
      <section id="gaps" className={styles.section}>
        <h2>Gaps</h2>
        {gaps.total === 0
          ? <p className={styles.note}>No gaps: every line the followed containers wrote was read.</p>
          : (
            <>
              {gaps.total > gaps.gaps.length && <p className={styles.note}>The newest {num(gaps.gaps.length)} of {num(gaps.total)}.</p>}
              <GapsTable gaps={gaps.gaps} />
            </>
          )}
      </section>
    </>
  );
}

function EmptyState() {
  return (
    <div className="empty">
      <h1>No sources yet</h1>
      <p>Follow a cluster&apos;s Envoy sidecars with <code>npx envoy-lens collect</code>, or import an access log:</p>
      <p><code>npx envoy-lens import --config envoy.yaml access.log</code></p>
      <p>or run <code>npm run demo</code> for a sample from the seed scenario.</p>
    </div>
  );
}
