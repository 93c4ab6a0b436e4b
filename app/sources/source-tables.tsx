// The followed container instances, grouped by pod, and the imported files: the format each was parsed with and how
// far ingest got. Server components; names and formats are text React escapes.
import type { PodSources, SourceView } from '../../lib/store/queries/sources';
import type { LiveStates } from './collector-card';
import styles from './sources.module.css';
import { num, when } from './text';

const FORMAT_PREVIEW = 48;

/** The format in a <code> block, cut short with an expander for the whole text. */
export function FormatCell({ format }: { format: string }) {
  if (format.length <= FORMAT_PREVIEW) return <td className={styles.fmt} data-label="Format"><code>{format}</code></td>;
  return (
    <td className={styles.fmt} data-label="Format">
      <details>
        <summary><code>{format.slice(0, FORMAT_PREVIEW)}…</code></summary>
        <code className={styles.full}>{format}</code>
      </details>
    </td>
  );
}

function Counts({ s }: { s: SourceView }) {
  const c = s.checkpoint;
  return (
    <>
      <td className={styles.num} data-label="Records">{c ? num(c.records) : '—'}</td>
      <td className={styles.num} data-label="Rejected">{c ? (c.rejected > 0 ? <a href={`/sources?source=${s.id}#rejected`}>{num(c.rejected)}</a> : '0') : '—'}</td>
      <td className={styles.num} data-label="Other">{c ? num(c.otherLines) : '—'}</td>
    </>
  );
}

/** Finished, or what the live collector is doing with the instance. */
function stateOf(s: SourceView, live: LiveStates): { text: string; title?: string } {
  if (s.checkpoint?.finished) return { text: 'finished', title: 'the instance stopped and its log was read to the end' };
  const t = s.containerId ? live.byContainerId.get(s.containerId) : undefined;
  if (t) return { text: t.state, ...(t.lastError ? { title: `last error: ${t.lastError}` } : {}) };
  if (live.waiting.has(`${s.namespace}/${s.pod}/${s.container}`)) return { text: 'waiting', title: 'over --max-streams: followed when a slot frees' };
  return live.live ? { text: 'not followed', title: 'the live collector does not follow this instance' } : { text: 'no collector' };
}

export function PodSourcesTable({ pods, live }: { pods: PodSources[]; live: LiveStates }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Container</th><th>Instance</th><th>State</th>
            <th className={styles.num}>Records</th><th className={styles.num}>Rejected</th><th className={styles.num} title="Envoy's own messages, counted, not stored">Other</th>
            <th>Last update</th><th>Format</th>
          </tr>
        </thead>
        {pods.map((p) => (
          <tbody key={p.podUid ?? `${p.namespace}/${p.pod}`}>
            <tr className={styles.podRow}>
              <th colSpan={8} scope="rowgroup">
                <span className="mono">{p.namespace}/{p.pod}</span>
                {p.sources.length > 1 && <span className={styles.meta}> · {p.sources.length} instances</span>}
              </th>
            </tr>
            {p.sources.map((s) => (
              <tr key={s.id}>
                <td className="mono">{s.container}</td>
                <td className="mono" title={s.containerId ?? undefined}>{s.containerIdShort ?? '—'}</td>
                <StateCell s={s} live={live} />
                <Counts s={s} />
                <td>{when(s.checkpoint?.updatedAtMs ?? s.createdAtMs)}</td>
                <FormatCell format={s.format} />
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}

function StateCell({ s, live }: { s: SourceView; live: LiveStates }) {
  const st = stateOf(s, live);
  return <td title={st.title} className={st.text === 'following' ? styles.ok : st.text === 'waiting' ? styles.warn : undefined}>{st.text}</td>;
}

export function FileSourcesTable({ files }: { files: SourceView[] }) {
  return (
    <div className="table-wrap">
      <table className={styles.stack}>
        <thead>
          <tr>
            <th>File</th><th className={styles.num}>Lines read</th>
            <th className={styles.num}>Records</th><th className={styles.num}>Rejected</th><th className={styles.num}>Other</th><th>Last update</th><th>Format</th>
          </tr>
        </thead>
        <tbody>
          {files.map((f) => (
            <tr key={f.id}>
              <td className={`mono ${styles.wrap}`} data-label="File">{f.location ?? `source ${f.id}`}</td>
              <td className={styles.num} data-label="Lines read">{f.checkpoint ? num(f.checkpoint.linesRead) : '—'}</td>
              <Counts s={f} />
              <td data-label="Last update">{when(f.checkpoint?.updatedAtMs ?? f.createdAtMs)}</td>
              <FormatCell format={f.format} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
