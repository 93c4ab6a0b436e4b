// One watch response: newline-delimited JSON events, flushed per event, with selector transitions (an object leaving
// the selector is DELETED for this watcher), optional bookmarks, a deadline, and 410 as an in-stream ERROR event.
import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../kube-object.ts';
import type { ObjectStore, StoreEvent } from './object-store.ts';
import type { ResourceType } from './resources.ts';
import { groupVersion } from './resources.ts';
import type { StreamControl } from './open-streams.ts';
import { matchesFilter, type ObjectFilter } from './selectors.ts';
import { expired } from './status.ts';

export type WireEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchStreamOptions {
  store: ObjectStore;
  type: ResourceType;
  namespace?: string;
  filter: ObjectFilter;
  /** Raw `resourceVersion` query value: unset/"0" = current state as ADDED, then changes. */
  resourceVersion: string | null;
  bookmarkIntervalMs?: number;
  timeoutMs: number;
  /** Converts an event object for the wire (Table rendering); identity by default. */
  render?: (obj: KubeObject, first: boolean) => unknown;
  /** Answer the watch with 410 Expired whatever its resourceVersion (fault injection). */
  forceExpired?: boolean;
}

/**
 * A watcher this far behind is closed, as the apiserver's cacher closes a watcher that does not keep up ("Forcing
 * watcher close due to unresponsiveness"); the client relists or resumes.
 */
const MAX_UNREAD_BYTES = 16 * 1024 * 1024;

/**
 * Starts streaming; returns a function that ends the stream cleanly. A stalled stream sends nothing more and does not
 * end by itself (its deadline passes unseen), as a hung connection looks to the client.
 */
export function startWatchStream(res: ServerResponse, o: WatchStreamOptions, control: StreamControl, onFinish: () => void): () => void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let first = true;
  let finished = false;
  let stopStore: () => void = () => {};
  const timers: NodeJS.Timeout[] = [];

  const send = (type: WireEventType, object: unknown): void => {
    if (finished || control.stalled) return;
    if (res.writableLength > MAX_UNREAD_BYTES) {
      finish();
      return;
    }
    res.write(JSON.stringify({ type, object }) + '\n');
  };
  const sendObject = (type: WireEventType, obj: KubeObject): void => {
    send(type, o.render ? o.render(obj, first) : obj);
    first = false;
  };
  const finish = (): void => {
    if (finished) return;
    finished = true;
    stopStore();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
    onFinish();
  };
  res.on('close', finish);

  const onEvent = (e: StoreEvent): void => {
    const now = matchesFilter(o.filter, e.object);
    const before = e.previous ? matchesFilter(o.filter, e.previous) : false;
    if (e.type === 'ADDED') {
      if (now) sendObject('ADDED', e.object);
    } else if (e.type === 'DELETED') {
      if (before || now) sendObject('DELETED', e.object);
    } else if (before && now) sendObject('MODIFIED', e.object);
    else if (before) sendObject('DELETED', e.object);
    else if (now) sendObject('ADDED', e.object);
  };

  const rv = o.resourceVersion;
  if (o.forceExpired) {
    send('ERROR', expired(rv || '0', String(o.store.resourceVersion)));
    finish();
    return finish;
  }
  let since: number | undefined;
  if (!rv || rv === '0') {
    for (const obj of o.store.list(o.type.plural, o.namespace)) if (matchesFilter(o.filter, obj)) sendObject('ADDED', obj);
    since = undefined;
  } else since = Number(rv);
  const started = o.store.watch(
    since === undefined ? { resource: o.type.plural, namespace: o.namespace } : { resource: o.type.plural, namespace: o.namespace, sinceResourceVersion: since },
    onEvent,
  );
  if (!started.ok) {
    // The apiserver accepts the watch, then reports Expired as one ERROR event and closes.
    send('ERROR', started.status);
    finish();
    return finish;
  }
  stopStore = started.stop;

  if (o.bookmarkIntervalMs) {
    const interval = setInterval(() => {
      send('BOOKMARK', {
        kind: o.type.kind,
        apiVersion: groupVersion(o.type),
        metadata: { resourceVersion: String(o.store.resourceVersion) },
      });
    }, o.bookmarkIntervalMs);
    timers.push(interval);
  }
  timers.push(setTimeout(() => {
    if (!control.stalled) finish();
  }, o.timeoutMs));
  return finish;
}
