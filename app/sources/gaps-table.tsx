// Lines the collector knows it could not read: which container, the time range, why. Server component.
import type { GapView } from '../../lib/store/queries/sources';
import styles from './sources.module.css';
import { kubeTime, when } from './text';

const REASONS: Record<string, string> = {
  rotated: 'log rotated away while disconnected',
  'instance-unreachable': 'container instance no longer reachable',
  'instances-missed': 'instances started and stopped unseen',
  'pod-deleted': 'pod deleted before it was read',
  'not-followed': 'never followed',
};

export function GapsTable({ gaps }: { gaps: GapView[] }) {
  return (
    <div className="table-wrap">
      <table className={styles.stack}>
        <thead>
          <tr><th>Container</th><th>From</th><th>To</th><th>Reason</th><th>Detail</th><th>Recorded</th></tr>
        </thead>
        <tbody>
          {gaps.map((g) => (
            <tr key={g.id}>
              <td className="mono" data-label="Container">
                {g.namespace}/{g.pod} {g.container}
                {g.containerIdShort && <span className={styles.meta}> {g.containerIdShort}</span>}
              </td>
              <td className="mono" data-label="From">{kubeTime(g.fromTime) ?? 'start of the instance'}</td>
              <td className="mono" data-label="To">{kubeTime(g.toTime) ?? 'nothing read after'}</td>
              <td title={REASONS[g.reason]} data-label="Reason">{g.reason}</td>
              <td className={styles.wrap} data-label="Detail">{g.detail}</td>
              <td data-label="Recorded">{when(g.createdAtMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
