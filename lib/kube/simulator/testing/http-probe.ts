// Test helpers that talk to a simulator over HTTP the way a client sees it: a streamed response read chunk by chunk,
// telling a clean end (terminating chunk) from a cut connection; control API calls; plain GETs.
import { get } from 'node:http';

export interface OpenStream {
  status: number;
  /** Everything received so far. */
  text(): string;
  /** Resolves when the response ends: `clean` after the terminating chunk, `cut` when the connection dropped. */
  ended: Promise<'clean' | 'cut'>;
  /** Resolves once the text contains `needle` (rejects after timeoutMs with what arrived). */
  waitFor(needle: string | RegExp, timeoutMs?: number): Promise<string>;
  close(): void;
}

/** Opens a GET whose body is read as it streams. Resolves once the headers arrived. */
export function openStream(url: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let text = '';
      const waiters: (() => void)[] = [];
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        for (const w of [...waiters]) w();
      });
      const ended = new Promise<'clean' | 'cut'>((done) => {
        res.on('end', () => done('clean'));
        res.on('aborted', () => done('cut'));
        res.on('error', () => done('cut'));
      });
      resolve({
        status: res.statusCode ?? 0,
        text: () => text,
        ended,
        waitFor(needle, timeoutMs = 5000) {
          const has = () => (typeof needle === 'string' ? text.includes(needle) : needle.test(text));
          if (has()) return Promise.resolve(text);
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`timed out waiting for ${String(needle)}; got ${JSON.stringify(text.slice(-500))}`)), timeoutMs);
            const check = () => {
              if (!has()) return;
              clearTimeout(timer);
              waiters.splice(waiters.indexOf(check), 1);
              ok(text);
            };
            waiters.push(check);
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

/** POSTs JSON to the control API; returns status and parsed body. */
export async function control(base: string, path: string, body: unknown = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(`${base}/_sim/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

export async function getText(url: string): Promise<{ status: number; body: string; headers: Headers }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text(), headers: r.headers };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
