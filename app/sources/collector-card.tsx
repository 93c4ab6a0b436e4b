// The live collector as it last reported: streams followed against the cap, records per second, lag, totals, errors
// by kind with the latest messages, and the containers waiting for a stream slot. Server component.
import type { CollectorStatusView } from '../../lib/store/queries/sources';
import styles from './sources.module.css';
import { num, plural, when } from './text';

/** A status older than this from a collector that did not say it stopped: it probably died. */
const STALE_MS = 30_000;
const WAITING_SHOWN = 20;

/** What the live collectors are doing with each container instance, and which containers wait for a slot. */
export interface LiveStates {
  live: boolean;
  byContainerId: Map<string, { state: string; lastError: string | null }>;
  waiting: Set<string>;
}

export function liveStates(collectors: CollectorStatusView[], now: number): LiveStates {
  const live = collectors.filter((c) => !c.stoppedAt && now - c.updatedAtMs < STALE_MS);
  return {
    live: live.length > 0,
    byContainerId: new Map(live.flatMap((c) => c.containers.flatMap((t) => (t.containerId ? [[t.containerId, { state: t.state, lastError: t.lastError }] as const] : [])))),
    waiting: new Set(live.flatMap((c) => c.waiting.map((w) => `${w.namespace}/${w.pod}/${w.container}`))),
  };
}

export function CollectorCards({ collectors, now }: { collectors: CollectorStatusView[]; now: number }) {
  const live = collectors.filter((c) => !c.stoppedAt && now - c.updatedAtMs < STALE_MS);
  const shown = live.length > 0 ? live : collectors.slice(0, 1);
  if (shown.length === 0) {
    return (
      <p className={styles.note}>
        No collector has reported yet. Follow a cluster&apos;s Envoy sidecars with <code>npx envoy-lens collect</code>.
      </p>
    );
  }
  return (
    <>
      {live.length === 0 && <p className={styles.note}>No live collector: the last one to report is shown. Start one with <code>npx envoy-lens collect</code>.</p>}
      {shown.map((c) => <CollectorCard key={c.id} c={c} now={now} />)}
    </>
  );
}

function CollectorCard({ c, now }: { c: CollectorStatusView; now: number }) {
  const state = c.stoppedAt ? 'stopped' : now - c.updatedAtMs < STALE_MS ? 'live' : 'not reporting';
  const errors = Object.entries(c.errors).sort((a, b) => b[1] - a[1]);
  const t = c.totals;
  return (
    <div className={styles.card} aria-label={`collector ${c.id}`}>
      <div className={styles.cardHead}>
        <h3 className="mono">{c.id}</h3>
        <span className={`${styles.badge} ${state === 'live' ? styles.live : state === 'not reporting' ? styles.stale : ''}`}>{state}</span>
        <span className={styles.meta}>
          started {when(c.startedAt ? Date.parse(c.startedAt) : null)} · {c.stoppedAt ? `stopped ${when(Date.parse(c.stoppedAt))}` : `last report ${when(c.updatedAtMs)}`}
        </span>
      </div>
      <dl className={styles.figures}>
        <Figure label="Streams followed" value={`${num(c.followed)} of at most ${num(c.maxStreams)}`} />
        <Figure label="Waiting over the cap" value={num(c.waiting.length)} />
        <Figure label="Records per second" value={num(c.linesPerSecond)} />
        <Figure label="Lag p50 / p95 / max" value={c.lagMs ? `${num(c.lagMs.p50)} / ${num(c.lagMs.p95)} / ${num(c.lagMs.max)} ms` : 'not measured yet'} />
        <Figure label="Lines read" value={num(t.linesRead)} />
        <Figure label="Records / rejected / other" value={`${num(t.records)} / ${num(t.rejected)} / ${num(t.otherLines)}`} />
        <Figure label="Streams opened / reconnects" value={`${num(t.streamsOpened)} / ${num(t.reconnects)}`} />
        <Figure label="Stalls / gaps" value={`${num(t.stalls)} / ${num(t.gaps)}`} />
      </dl>
      {c.writerError && <p className={styles.bad}>Writing to the database failed: {c.writerError}</p>}
      <p className={styles.sub}>Errors by kind</p>
      {errors.length === 0 ? <p className={styles.note}>None.</p> : (
        <ul className={styles.list}>
          {errors.map(([kind, n]) => <li key={kind}><span className="mono">{kind}</span>: {num(n)}</li>)}
        </ul>
      )}
      {c.recentErrors.length > 0 && (
        <details>
          <summary>Latest error messages ({c.recentErrors.length})</summary>
          <ul className={styles.list}>
            {c.recentErrors.slice(-5).reverse().map((e, i) => (
              <li key={i}><span className={styles.meta}>{e.at}</span> <span className="mono">{e.kind}</span>: {e.message}</li>
            ))}
          </ul>
        </details>
      )}
      {c.waiting.length > 0 && (
        <>
          <p className={styles.sub}>Waiting for a stream slot ({plural(c.waiting.length, 'container')} over --max-streams {c.maxStreams})</p>
          <ul className={styles.list}>
            {c.waiting.slice(0, WAITING_SHOWN).map((w) => (
              <li key={`${w.namespace}/${w.pod}/${w.container}`} className="mono">{w.namespace}/{w.pod} {w.container}</li>
            ))}
            {c.waiting.length > WAITING_SHOWN && <li>… and {num(c.waiting.length - WAITING_SHOWN)} more</li>}
          </ul>
        </>
      )}
    </div>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return <div><dt>{label}</dt><dd>{value}</dd></div>;
}
