// What the live view receives for each new record: the columns it shows, nothing more. Also the view's text filter,
// which runs in the browser (this file imports nothing at run time, so a client component can use it).
import type { RecordView } from '../store/queries/record-view.ts';
import { upstreamText } from './upstream-label.ts';

export interface LiveRecord {
  id: number;
  startTime: string | null;
  /** namespace/pod whose Envoy wrote the line; null for a file not tied to a pod. */
  source: string | null;
  method: string | null;
  path: string | null;
  status: number | null;
  durationMs: number | null;
  /** Pod or Service with the address, as one line of text. */
  upstream: string;
  upstreamKind: RecordView['upstreamKind'];
  cluster: string | null;
  requestId: string | null;
  responseFlags: string | null;
}

export function toLiveRecord(r: RecordView): LiveRecord {
  return {
    id: r.id,
    startTime: r.startTime,
    source: r.pod ? `${r.namespace ?? ''}/${r.pod}` : null,
    method: r.method,
    path: r.path,
    status: r.status,
    durationMs: r.durationMs,
    upstream: upstreamText(r),
    upstreamKind: r.upstreamKind,
    cluster: r.upstreamCluster,
    requestId: r.requestId,
    responseFlags: r.responseFlags,
  };
}

/**
 * The live view's quick filter: every word must appear (case-insensitively) in the path, the upstream, the cluster
 * or the status; `5xx`-style words match the status class.
 */
export function liveTextMatch(r: LiveRecord, text: string): boolean {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const status = r.status === null ? 'none' : String(r.status);
  const statusClass = r.status === null ? 'none' : `${Math.floor(r.status / 100)}xx`;
  const haystack = [r.path ?? '', r.upstream, r.cluster ?? '', status, statusClass].join('\n').toLowerCase();
  return words.every((w) => haystack.includes(w));
}
