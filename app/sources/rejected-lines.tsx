// Lines the format engine could not parse, newest first, with why and where. The raw text is attacker-controlled: it
// is rendered as a React text child inside <pre>, so it is escaped, never interpreted.
import type { RejectedPage } from '../../lib/store/queries/sources';
import styles from './sources.module.css';
import { num, plural, when } from './text';

export interface RejectedProps {
  page: RejectedPage;
  sources: { id: number; label: string; count: number }[];
  sourceId: number | undefined;
  before: number | undefined;
}

const link = (sourceId: number | undefined, before?: number) => {
  const q = new URLSearchParams();
  if (sourceId !== undefined) q.set('source', String(sourceId));
  if (before !== undefined) q.set('rejectedBefore', String(before));
  const s = q.toString();
  return `/sources${s ? `?${s}` : ''}#rejected`;
};

export function RejectedLines({ page, sources, sourceId, before }: RejectedProps) {
  const known = sourceId === undefined || sources.some((s) => s.id === sourceId);
  return (
    <>
      {sources.length > 0 && (
        <form className={`filters ${styles.filter}`} method="get" action="/sources#rejected" aria-label="Rejected lines filter">
          <label>Source
            <select name="source" defaultValue={sourceId === undefined ? '' : String(sourceId)}>
              <option value="">all sources ({plural(sources.reduce((a, s) => a + s.count, 0), 'line')})</option>
              {!known && <option value={String(sourceId)}>source {sourceId} (no rejected lines)</option>}
              {sources.map((s) => <option key={s.id} value={String(s.id)}>{s.label} ({num(s.count)})</option>)}
            </select>
          </label>
          <button type="submit">Show</button>
        </form>
      )}
      <p className={styles.note}>
        {page.total === 0
          ? sourceId === undefined ? 'No rejected lines: every line read parsed with its format.' : 'No rejected lines from this source.'
          : `${plural(page.total, 'rejected line')}${sourceId !== undefined ? ' from this source' : ''} · newest first`}
      </p>
      {page.lines.map((l) => (
        <article key={l.id} className={styles.reject} aria-label={`rejected line ${l.id}`}>
          <p><strong>{l.reason}</strong></p>
          <p className={styles.meta}>
            <a href={link(l.sourceId)} className="mono">{l.source}</a> · line {num(l.seq)}
            {l.column !== null && ` · column ${num(l.column)}`} · {plural(l.rawLength, 'character')}
            {l.truncated && `, first ${num(l.raw.length)} shown`} · stored {when(l.createdAtMs)}
          </p>
          <pre className={styles.raw}>{l.raw}</pre>
        </article>
      ))}
      <div className="pager">
        {before !== undefined && <a href={link(sourceId)}>Newest</a>}
        {page.nextBefore !== null && <a href={link(sourceId, page.nextBefore)}>Older →</a>}
      </div>
    </>
  );
}
