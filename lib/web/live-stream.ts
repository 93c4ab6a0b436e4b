// New records as Server-Sent Events: the database is polled for ids past the last one sent (every pollMs, at most
// batchLimit rows at a time), each batch goes out as one `records` event whose id is the position reached, and a
// heartbeat comment keeps the connection open when nothing arrives. It stops when the request is aborted or the
// reader cancels.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { newestRecordId, recordsAfter } from '../store/queries/live-records.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import { toLiveRecord } from './live-record.ts';
import { sseComment, sseEvent, sseRetry } from './sse.ts';

export interface LiveStreamOptions {
  filter: RecordFilter;
  /** Send records after this id; the newest id stored when absent (only what arrives from now on). */
  afterId?: number;
  /** The request's signal: the stream ends when it aborts. */
  signal?: AbortSignal;
  pollMs?: number;
  heartbeatMs?: number;
  batchLimit?: number;
  /** How long the browser waits before reconnecting after the connection drops. */
  retryMs?: number;
}

/** How far back a reconnecting or resumed live view may start. */
export const MAX_BACKLOG = 5000;

export function liveRecordStream(prisma: PrismaClient, o: LiveStreamOptions): ReadableStream<Uint8Array> {
  const pollMs = o.pollMs ?? 500;
  const heartbeatMs = o.heartbeatMs ?? 15_000;
  const batchLimit = o.batchLimit ?? 200;
  const encoder = new TextEncoder();
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(() => resolve(), ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

  // A database not migrated yet has no records: keep polling until it has some, quietly.
  const newestId = async () => {
    try {
      return await newestRecordId(prisma);
    } catch (err) {
      if ((err as { code?: string }).code === 'P2021') return 0;
      throw err;
    }
  };

  async function run(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const send = (text: string) => controller.enqueue(encoder.encode(text));
    if (stopped) return;
    const newestNow = await newestId();
    let cursor = o.afterId ?? newestNow;
    // A cursor past the newest id belongs to another database (the demo starts a new one each time): start from now.
    // One far behind would replay a whole table: a live view starts at most MAX_BACKLOG records back.
    if (cursor > newestNow) cursor = newestNow;
    cursor = Math.max(cursor, newestNow - MAX_BACKLOG);
    send(sseRetry(o.retryMs ?? 2000) + sseEvent({ event: 'ready', id: cursor, data: JSON.stringify({ after: cursor }) }));
    let lastSent = Date.now();
    while (!stopped) {
      let more = false;
      // A reader that does not keep up gets no new batch until it has taken the last one.
      if ((controller.desiredSize ?? 1) > 0) {
        const newest = await newestId();
        if (newest > cursor && !stopped) {
          const rows = await recordsAfter(prisma, { afterId: cursor, throughId: newest, filter: o.filter, limit: batchLimit });
          more = rows.length === batchLimit;
          cursor = more ? rows[rows.length - 1]!.id : newest;
          if (rows.length > 0 && !stopped) {
            send(sseEvent({ event: 'records', id: cursor, data: JSON.stringify(rows.map(toLiveRecord)) }));
            lastSent = Date.now();
          }
        }
      }
      if (stopped) break;
      if (Date.now() - lastSent >= heartbeatMs) {
        send(sseComment('heartbeat', cursor));
        lastSent = Date.now();
      }
      if (!more) await pause(pollMs);
    }
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (o.signal?.aborted) stopped = true;
      o.signal?.addEventListener('abort', stop, { once: true });
      void run(controller).then(
        () => {
          try {
            controller.close();
          } catch {
            // already cancelled by the reader
          }
        },
        (err: unknown) => {
          if (stopped) return;
          stopped = true;
          console.error('live stream stopped:', err);
          controller.error(err);
        },
      ).finally(() => o.signal?.removeEventListener('abort', stop));
    },
    cancel() {
      stop();
    },
  });
}
