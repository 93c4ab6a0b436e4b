// The requests table: one row per record, newest first. Every value is text React escapes (paths, user agents and
// request ids are attacker-controlled); a request id links to its trace.
import type { RecordView } from '../../lib/store/queries/record-view';
import { statusClassName, tableTime, traceHref } from '../../lib/web/record-display';
import { upstreamLabel } from '../../lib/web/upstream-label';
import styles from './requests.module.css';

/** Whether the line's possible splits disagreed on the field of this header, so the stored value is null. */
function ambiguousHeader(r: RecordView, header: string): boolean {
  return r.ambiguousFields?.some((key) => key.toUpperCase().includes(header)) ?? false;
}

const ambiguousMark = <span className="ambiguous" title="several splits of this line match: see envoy-lens export">ambiguous</span>;

/** The pod or Service that answered, over the address it was reached at. */
export function Upstream({ r }: { r: RecordView }) {
  const u = upstreamLabel(r);
  if (!u.name) return <span className="mono">{u.address ?? '–'}</span>;
  return (
    <>
      <span className={u.kind === 'service' ? styles.service : styles.upstreamName} title={u.uncertain ? 'the IP changed hands near this time' : undefined}>
        {u.name}{u.uncertain && ' (?)'}
      </span>
      {u.address && <span className={`mono ${styles.address}`}>{u.address}</span>}
    </>
  );
}

export function RecordsTable({ records }: { records: RecordView[] }) {
  return (
    <div className="table-wrap">
      <table aria-label="requests">
        <thead>
          <tr>
            <th>Time (UTC)</th>
            <th>Status</th>
            <th>ms</th>
            <th>Request</th>
            <th>Source pod</th>
            <th>Upstream</th>
            <th>Cluster</th>
            <th>Request ID</th>
            <th>User-Agent</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.id} data-request-id={r.requestId ?? undefined}>
              <td className="mono">{tableTime(r.startTime)}</td>
              <td className={statusClassName(r.status)}>
                {r.status ?? '–'}
                {r.responseFlags && <span className={`flag ${styles.flag}`} title="Envoy response flags">{r.responseFlags}</span>}
              </td>
              <td>{r.durationMs ?? '–'}</td>
              <td className="clip wide mono" title={r.path ?? undefined}>
                <span className={styles.method}>{r.method ?? '–'}</span> {r.path ?? '–'}
              </td>
              <td className="clip" title={r.pod ? `${r.namespace}/${r.pod}` : undefined}>{r.pod ? `${r.namespace}/${r.pod}` : '–'}</td>
              <td><Upstream r={r} /></td>
              <td className="clip" title={r.upstreamCluster ?? undefined}>{r.upstreamCluster ?? '–'}</td>
              <td className="clip mono" title={r.requestId ?? undefined}>
                {r.requestId ? <a href={traceHref(r.requestId)}>{r.requestId}</a> : ambiguousHeader(r, 'X-REQUEST-ID') ? ambiguousMark : '–'}
              </td>
              <td className="clip wide" title={r.userAgent ?? undefined}>{r.userAgent ?? (ambiguousHeader(r, 'USER-AGENT') ? ambiguousMark : '–')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
