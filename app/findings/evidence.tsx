// A finding's evidence: its figures (counts, names, times), the sample records behind it (each request id links to its
// trace) and the whole evidence as JSON. Server component; every value is text React escapes.
import type { EvidenceFact, FindingEvidence } from '../../lib/store/queries/finding-evidence';
import styles from './findings.module.css';

const iso = (ms: number) => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().replace('.000Z', 'Z') : String(ms));

/** `clusterRecords` → `cluster records`, `clusterIps` → `cluster IPs`, `deletedAtMs` → `deleted at`. */
function label(key: string): string {
  return key
    .replace(/Ms$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/\bips?\b/g, (m) => (m === 'ip' ? 'IP' : 'IPs'))
    .replace(/\bdf\b/, 'degrees of freedom');
}

function value(f: EvidenceFact): string {
  const v = f.value;
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (/Ms$/.test(f.key)) return v > 1e11 ? iso(v) : `${v.toLocaleString('en-US')} ms`;
  if (f.key === 'share') return `${(v * 100).toFixed(1)}%`;
  if (f.key === 'pValue') return v.toPrecision(3);
  return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Math.round(v * 1000) / 1000);
}

export function Evidence({ evidence, id }: { evidence: FindingEvidence; id: string }) {
  const { facts, samples, json } = evidence;
  if (facts.length === 0 && samples.length === 0 && json === null) return null;
  return (
    <>
      <p className={styles.sectionTitle}>Evidence</p>
      {facts.length > 0 && (
        <dl className={styles.facts}>
          {facts.map((f) => (
            <div key={f.key} className={(Array.isArray(f.value) && f.value.length > 1) || (typeof f.value === 'string' && f.value.length > 24) ? styles.wide : undefined}>
              <dt>{label(f.key)}</dt>
              <dd className={Array.isArray(f.value) || typeof f.value === 'string' ? 'mono' : undefined}>{value(f)}</dd>
            </div>
          ))}
        </dl>
      )}
      {samples.length > 0 && (
        <div className={`table-wrap ${styles.samples}`}>
          <table aria-label="Sample records">
            <thead>
              <tr><th>Time</th><th>Request id</th><th>Method</th><th>Path</th><th>Status</th><th>Upstream</th></tr>
            </thead>
            <tbody>
              {samples.map((s, i) => (
                <tr key={s.id ?? `i${i}`}>
                  <td className="mono">{s.startTimeMs === null ? '—' : iso(s.startTimeMs)}</td>
                  <td className="mono">{s.requestId ? <a href={`/trace/${encodeURIComponent(s.requestId)}`}>{s.requestId}</a> : '—'}</td>
                  <td>{s.method ?? '—'}</td>
                  <td className={`mono ${styles.path}`} title={s.path ?? undefined}>{s.path ?? '—'}</td>
                  <td className={s.status !== null ? `status-${String(s.status)[0]}` : undefined}>
                    {s.status ?? '—'}{s.responseFlags && <> <span className="flag">{s.responseFlags}</span></>}
                  </td>
                  <td className="mono">{s.upstreamHost ?? '—'}{s.upstreamCluster && <span className={styles.cluster}>{s.upstreamCluster}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {json !== null && (
        <details>
          <summary>All evidence</summary>
          <pre id={`${id}-evidence`} className={styles.json}>{json}</pre>
        </details>
      )}
    </>
  );
}
