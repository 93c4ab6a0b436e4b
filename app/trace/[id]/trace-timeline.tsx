// Every hop of a request on one time axis: a row per hop in call order, indented by depth, its bar offset by its start
// relative to the first hop and as long as its latency. CSS-positioned, rendered on the server; text through React.
import { formatMs, tickStep, type Timeline } from '../../../lib/web/trace-timeline';
import styles from '../trace.module.css';

const INDENT_PX = 14;

export function TraceTimeline({ timeline }: { timeline: Timeline }) {
  const stepPct = (tickStep(timeline.spanMs) / timeline.spanMs) * 100;
  // Faint vertical lines at every tick, drawn by the track's background.
  const grid = { backgroundImage: 'linear-gradient(to right, var(--line) 1px, transparent 1px)', backgroundSize: `${stepPct}% 100%` };
  const last = timeline.ticks.length - 1;
  return (
    <section className={styles.timeline} aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <div className={styles.axis} aria-hidden="true">
        <span className={styles.axisSpacer} />
        <div className={styles.axisTrack}>
          {timeline.ticks.map((t, i) => (
            <span key={t.ms} className={`${styles.tick} ${i === last && t.pct > 90 ? styles.tickEnd : ''}`} style={{ left: `${t.pct}%` }}>
              {formatMs(t.ms)}
            </span>
          ))}
        </div>
      </div>
      <ol className={styles.rows} aria-label="hops">
        {timeline.rows.map((row) => {
          const failed = row.hop.record.status === null || row.hop.record.status < 100 || row.hop.record.status >= 500;
          const barClass = [styles.bar, row.guessedParent && styles.guessed, row.critical && styles.critical, failed && styles.error].filter(Boolean).join(' ');
          return (
            <li key={row.hop.record.id} className={styles.row} data-depth={row.depth}>
              <div className={styles.label} style={{ paddingLeft: 6 + row.depth * INDENT_PX }}>
                <div className={styles.who} title={`${row.source} → ${row.upstream}`}>
                  {row.source}<span className={styles.arrow}>→</span>{row.upstream}
                </div>
                <div className={styles.what} title={row.request}>
                  {row.request}
                  {row.guessedParent && <span className={styles.badge} title="no upstream pod links this hop to its caller: the parent is the hop that contains it in time">parent guessed from timing</span>}
                  {row.hop.duplicateOf !== null && <span className={styles.badge}>stored twice</span>}
                </div>
              </div>
              <div className={styles.track} style={grid}>
                {row.offsetMs === null ? (
                  <span className={styles.noStart}>no start time logged</span>
                ) : (
                  <span
                    className={barClass}
                    style={{ left: `${row.leftPct}%`, width: `${row.widthPct}%` }}
                    title={`starts at +${formatMs(row.offsetMs)}, takes ${row.latencyMs === null ? 'an unknown time' : formatMs(row.latencyMs)}`}
                  />
                )}
              </div>
            </li>
          );
        })}
      </ol>
      <p className={styles.legend}>
        <span><span className={styles.swatch} />hop (length = latency)</span>
        <span><span className={`${styles.swatch} ${styles.critical}`} />bounds the end-to-end latency</span>
        <span><span className={`${styles.swatch} ${styles.guessed}`} />parent guessed from timing</span>
        <span><span className={`${styles.swatch} ${styles.error}`} />5xx or no response</span>
      </p>
    </section>
  );
}
