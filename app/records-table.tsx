import type { RecordView } from '../lib/store/queries/record-view';

function statusClass(status: number | null): string {
  return status === null ? '' : `status-${Math.floor(status / 100)}`;
}

export function RecordsTable({ records }: { records: RecordView[] }) {
  return (
    <div className="table-wrap">
      <table aria-label="requests">
        <thead>
          <tr>
            <th>Time (UTC)</th>
            <th>Pod</th>
            <th>Method</th>
            <th>Path</th>
            <th>Status</th>
            <th>Flags</th>
            <th>ms</th>
            <th>Upstream</th>
            <th>Cluster</th>
            <th>Request ID</th>
            <th>User-Agent</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.id} data-request-id={r.requestId ?? undefined}>
              <td className="mono">{r.startTime?.replace('T', ' ').replace('Z', '') ?? '–'}</td>
              <td>{r.pod ? `${r.namespace}/${r.pod}` : '–'}</td>
              <td>{r.method ?? '–'}</td>
              <td className="wrap mono">{r.path ?? '–'}</td>
              <td className={statusClass(r.status)}>{r.status ?? '–'}</td>
              <td>{r.responseFlags ? <span className="flag">{r.responseFlags}</span> : ''}</td>
              <td>{r.durationMs ?? '–'}</td>
              <td className="mono">{r.upstreamHost ?? '–'}</td>
              <td>{r.upstreamCluster ?? '–'}</td>
              <td className="mono">{r.requestId ?? (r.ambiguousFields ? <span className="ambiguous">ambiguous</span> : '–')}</td>
              <td className="wrap">{r.userAgent ?? (r.ambiguousFields ? <span className="ambiguous">ambiguous</span> : '–')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
