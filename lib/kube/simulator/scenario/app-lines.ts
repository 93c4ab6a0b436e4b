// What application containers write: not Envoy access-log lines, but they share the pod and sometimes the request id,
// so a collector reading the wrong container, or all of them, meets these. Their attacker-controlled parts (User-Agent,
// path) are copied raw, as the applications do.
import type { AccessRequest } from './access-request.ts';
import type { AppKind } from './scenario-spec.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** nginx's `$time_local`: `16/Dec/2025:09:45:56 +0000`. */
function nginxTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Go's log package: `2025/12/16 09:45:56`. */
function goLogTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '/')} ${iso.slice(11, 19)}`;
}

const dash = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? '-' : v);

/** The line an application writes when it starts. */
export function appStartLine(app: AppKind, ms: number, port: number): string {
  switch (app) {
    case 'nginx':
      return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, '/')} [notice] 1#1: start worker processes`;
    case 'http-echo':
      return `${goLogTime(ms)} [INFO] server is listening on :${port}`;
    case 'json-service':
      return JSON.stringify({ level: 'info', ts: new Date(ms).toISOString(), msg: 'listening', addr: `:${port}` });
  }
}

export interface ServedRequest {
  /** When the application finished the request. */
  endMs: number;
  request: AccessRequest;
  /** The caller as the application sees it (`ip:port`). */
  peer: string;
  /** The status the application answered. */
  status: number;
  /** The Host the request was addressed to. */
  host: string;
}

/** One request, as the application logs it. nginx logs in its `combined` format plus X-Forwarded-For. */
export function appRequestLine(app: AppKind, s: ServedRequest): string {
  const r = s.request;
  const requestLine = `${r.method ?? 'GET'} ${r.path ?? '/'} ${r.protocol ?? 'HTTP/1.1'}`;
  switch (app) {
    case 'nginx': {
      const client = s.peer.replace(/:\d+$/, '');
      return `${client} - - [${nginxTime(s.endMs)}] "${requestLine}" ${s.status} ${r.bytesSent} "-" "${dash(r.userAgent)}" "${dash(r.forwardedFor)}"`;
    }
    case 'http-echo': {
      const micros = ((r.durationMs ?? 0) * 1000 + 17.3).toFixed(1);
      return `${goLogTime(s.endMs)} ${s.host} ${s.peer} "${requestLine}" ${s.status} 19 "${dash(r.userAgent)}" ${micros}µs`;
    }
    case 'json-service':
      return JSON.stringify({
        level: s.status >= 500 ? 'error' : 'info',
        ts: new Date(s.endMs).toISOString(),
        msg: 'handled request',
        method: r.method,
        path: r.path,
        status: s.status,
        duration_ms: r.durationMs,
        request_id: r.requestId,
        peer: s.peer,
      });
  }
}
