// The trace as a table: the same hops as the timeline, in call order, with every field the timeline abbreviates.
import { formatMs, type Timeline } from '../../../lib/web/trace-timeline';
import { statusClassName } from '../../../lib/web/record-display';
import styles from '../trace.module.css';

export function HopsTable({ timeline }: { timeline: Timeline }) {
  const numberOf = new Map(timeline.rows.map((row, i) => [row.hop.record.id, i + 1]));
  return (
    <section aria-labelledby="hops-title">
      <h2 id="hops-title" className={styles.tableTitle}>Hops</h2>
      <div className="table-wrap">
        <table aria-label="hops">
          <thead>
            <tr>
              <th>#</th>
              <th>Start</th>
              <th>Source pod</th>
              <th>Upstream</th>
              <th>Cluster</th>
              <th>Method</th>
              <th>Path</th>
              <th>Status</th>
              <th>Flags</th>
              <th>Latency</th>
              <th>Called by</th>
            </tr>
          </thead>
          <tbody>
            {timeline.rows.map((row, i) => {
              const r = row.hop.record;
              const parent = row.hop.parentId === null ? undefined : numberOf.get(row.hop.parentId);
              return (
                <tr key={r.id}>
                  <td>{i + 1}</td>
                  <td className="mono" title={row.hop.startMs === null ? undefined : new Date(Math.floor(row.hop.startMs)).toISOString()}>
                    {row.offsetMs === null ? '–' : `+${formatMs(row.offsetMs)}`}
                  </td>
                  <td style={{ paddingLeft: 10 + row.depth * 12 }}>{row.source}</td>
                  <td className="clip mono" title={row.upstream}>{row.upstream}</td>
                  <td>{r.upstreamCluster ?? '–'}</td>
                  <td>{r.method ?? '–'}</td>
                  <td className="clip wide mono" title={r.path ?? undefined}>{r.path ?? '–'}</td>
                  <td className={statusClassName(r.status)}>{r.status ?? '–'}</td>
                  <td>{r.responseFlags ? <span className="flag">{r.responseFlags}</span> : ''}</td>
                  <td>{row.latencyMs === null ? '–' : formatMs(row.latencyMs)}</td>
                  <td>
                    {parent === undefined ? 'root' : `#${parent}`}
                    {row.hop.parentBy === 'upstream-pod' && ' (upstream pod)'}
                    {row.hop.parentBy === 'timing' && ' (guessed from timing)'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
