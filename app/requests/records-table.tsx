import type { RecordView } from '../../lib/store/queries/record-view';

/** Whether the line's possible splits disagreed on the field of this header, so the stored value is null. */
function ambiguousHeader(r: RecordView, header: string): boolean {
  return r.ambiguousFields?.some((key) => key.toUpperCase().includes(header)) ?? false;
}

const ambiguousMark = <span className="ambiguous" title="several splits of this line match: see envoy-lens export">ambiguous</span>;

/** What the upstream address was at the record's time: the Service or pod behind it, when known. */
function upstreamWho(r: RecordView): string | null {
  if (r.upstreamKind === 'service') return `Service ${r.upstreamService}`;
  if (r.upstreamKind === 'pod' && r.upstreamPod) return `${r.upstreamPod}${r.upstreamAmbiguous ? ' (?)' : ''}`;
  if (r.upstreamKind === 'external' || r.upstreamKind === 'unknown') return r.upstreamKind;
  return null;
}

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
              <td className="clip wide mono" title={r.path ?? undefined}>{r.path ?? '–'}</td>
              <td className={statusClass(r.status)}>{r.status ?? '–'}</td>
              <td>{r.responseFlags ? <span className="flag">{r.responseFlags}</span> : ''}</td>
              <td>{r.durationMs ?? '–'}</td>
              <td className="mono">
                {r.upstreamHost ?? '–'}
                {upstreamWho(r) && (
                  <span className={`who ${r.upstreamKind}`} title={r.upstreamAmbiguous ? 'the IP changed hands near this time' : undefined}>
                    {upstreamWho(r)}
                  </span>
                )}
              </td>
              <td>{r.upstreamCluster ?? '–'}</td>
              <td className="clip mono" title={r.requestId ?? undefined}>{r.requestId ?? (ambiguousHeader(r, 'X-REQUEST-ID') ? ambiguousMark : '–')}</td>
              <td className="clip wide" title={r.userAgent ?? undefined}>{r.userAgent ?? (ambiguousHeader(r, 'USER-AGENT') ? ambiguousMark : '–')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
