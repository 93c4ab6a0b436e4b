// Server-Sent Events on the wire (text/event-stream): one event is `field: value` lines closed by a blank line. A field
// value must not hold a line break, so data is split over several `data:` lines and ids and names lose theirs.

const lineBreak = /\r\n|\r|\n/;
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ');

export interface SseEvent {
  /** The browser sends the last id it saw as Last-Event-ID when it reconnects. */
  id?: string | number;
  /** The listener's name (`addEventListener(event, …)`); `message` when absent. */
  event?: string;
  data: string;
}

export function sseEvent({ id, event, data }: SseEvent): string {
  let text = '';
  if (event !== undefined) text += `event: ${oneLine(event)}\n`;
  if (id !== undefined) text += `id: ${oneLine(String(id))}\n`;
  for (const line of data.split(lineBreak)) text += `data: ${line}\n`;
  return text + '\n';
}

/**
 * A comment line, which browsers ignore: it keeps proxies from closing an idle connection. With an id it also moves
 * the stream's last event id on (the spec keeps an id from a block without data), so a reconnect resumes past it.
 */
export function sseComment(text: string, id?: string | number): string {
  return `${id === undefined ? '' : `id: ${oneLine(String(id))}\n`}: ${oneLine(text)}\n\n`;
}

/** How long the browser waits before reconnecting. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.round(ms))}\n\n`;
}

export const sseHeaders: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  // nginx and similar proxies would otherwise hold events back in their buffers.
  'X-Accel-Buffering': 'no',
};
