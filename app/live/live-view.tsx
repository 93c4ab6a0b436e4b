'use client';
// The live list: an EventSource on /api/live, newest records on top (at most 500 rows in the page), Pause/Resume (while
// paused, arrivals are only counted), a quick text filter, and the connection's state. Records arrive as JSON and are
// rendered as text by React.
import { useEffect, useRef, useState } from 'react';
import { liveTextMatch, type LiveRecord } from '../../lib/web/live-record';
import { statusClassName, traceHref } from '../../lib/web/record-display';
import styles from './live.module.css';

const MAX_ROWS = 500;
/** Arrivals are put on screen at most this often, however fast they come. */
const FLUSH_MS = 250;
/** After the server closed the stream for good (a restart, an error), try again this much later. */
const REOPEN_MS = 3000;

type Connection = 'connecting' | 'live' | 'reconnecting';

const connectionText: Record<Connection, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

export function LiveView({ initial, afterId, streamQuery }: { initial: LiveRecord[]; afterId: number; streamQuery: string }) {
  const [rows, setRows] = useState<LiveRecord[]>(initial);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [paused, setPaused] = useState(false);
  const [waiting, setWaiting] = useState(0);
  const [received, setReceived] = useState(0);
  const [text, setText] = useState('');
  /** Arrived but not shown yet, newest first (at most MAX_ROWS kept), and how many arrived in all. */
  const pending = useRef<LiveRecord[]>([]);
  const pendingCount = useRef(0);
  const pausedRef = useRef(false);

  useEffect(() => {
    let source: EventSource | undefined;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    let lastId = afterId;
    const open = () => {
      const query = new URLSearchParams(streamQuery);
      query.set('after', String(lastId));
      const es = new EventSource(`/api/live?${query}`);
      source = es;
      es.onopen = () => setConnection('live');
      es.addEventListener('records', (event) => {
        const batch = JSON.parse((event as MessageEvent<string>).data) as LiveRecord[];
        const id = Number((event as MessageEvent<string>).lastEventId);
        if (Number.isSafeInteger(id)) lastId = id;
        pending.current = [...batch.reverse(), ...pending.current].slice(0, MAX_ROWS);
        pendingCount.current += batch.length;
      });
      es.onerror = () => {
        setConnection('reconnecting');
        // CONNECTING: the browser retries by itself, sending Last-Event-ID. CLOSED: it gave up; open a new one.
        if (es.readyState === EventSource.CLOSED) {
          es.close();
          reopen = setTimeout(open, REOPEN_MS);
        }
      };
    };
    open();
    return () => {
      clearTimeout(reopen);
      source?.close();
    };
  }, [afterId, streamQuery]);

  useEffect(() => {
    const timer = setInterval(() => {
      if (pendingCount.current === 0) return;
      if (pausedRef.current) {
        setWaiting(pendingCount.current);
        return;
      }
      const arrived = pending.current;
      const count = pendingCount.current;
      pending.current = [];
      pendingCount.current = 0;
      setRows((old) => [...arrived, ...old].slice(0, MAX_ROWS));
      setReceived((n) => n + count);
    }, FLUSH_MS);
    return () => clearInterval(timer);
  }, []);

  const togglePause = () => {
    pausedRef.current = !paused;
    setPaused(!paused);
    if (paused) setWaiting(0);
  };

  const shown = text.trim() ? rows.filter((r) => liveTextMatch(r, text)) : rows;
  return (
    <>
      <div className={styles.controls}>
        <span className={`${styles.connection} ${styles[connection]}`} role="status" aria-live="polite">
          <span className={styles.dot} aria-hidden="true" />
          {connectionText[connection]}
        </span>
        <button type="button" className={styles.pause} onClick={togglePause} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <label className={styles.quickFilter}>
          <span>Filter shown rows</span>
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="path, upstream or status (5xx)" />
        </label>
        <span className={styles.counts}>
          {paused
            ? `Paused · ${waiting.toLocaleString('en-US')} new record${waiting === 1 ? '' : 's'} waiting`
            : `${received.toLocaleString('en-US')} received since opened`}
          {' · '}showing {shown.length.toLocaleString('en-US')} of {rows.length.toLocaleString('en-US')} (newest {MAX_ROWS} kept)
        </span>
      </div>
      {shown.length === 0 ? (
        <div className="empty">
          {rows.length === 0
            ? <p>Waiting for records. They appear here as the collector stores them: run <code>npx envoy-lens collect</code> (or <code>npm run demo</code>).</p>
            : <p>No row shown matches <code>{text}</code>.</p>}
        </div>
      ) : (
        <div className="table-wrap">
          <table aria-label="live records" className={styles.table}>
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
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.id}>
                  <td className="mono" title={r.startTime ?? undefined}>{r.startTime ? r.startTime.slice(11, 23) : '–'}</td>
                  <td className={statusClassName(r.status)}>
                    {r.status ?? '–'}
                    {r.responseFlags && <span className="flag">{r.responseFlags}</span>}
                  </td>
                  <td>{r.durationMs ?? '–'}</td>
                  <td className="clip wide mono" title={r.path ?? undefined}>
                    <span className={styles.method}>{r.method ?? '–'}</span> {r.path ?? '–'}
                  </td>
                  <td className="clip" title={r.source ?? undefined}>{r.source ?? '–'}</td>
                  <td className={`mono ${r.upstreamKind === 'service' ? styles.service : ''}`}>{r.upstream}</td>
                  <td>{r.cluster ?? '–'}</td>
                  <td className="clip mono" title={r.requestId ?? undefined}>{r.requestId ? <a href={traceHref(r.requestId)}>{r.requestId}</a> : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
