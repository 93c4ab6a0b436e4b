// The record as every reader sees it (CLI export, pages, API): stable camelCase keys, ISO times, plain numbers.
import type { AccessRecord } from '../../envoy/access-record.ts';
import type { AccessRecord as AccessRecordRow, Source } from '../../generated/prisma/client.ts';
import type { Attribution } from '../ingest-store.ts';

/**
 * The record as every reader sees it: the fields of the parsed AccessRecord, where it came from, and the start time
 * as an ISO-8601 string (milliseconds; sub-millisecond digits are kept in the store, not shown here).
 */
export interface RecordView extends Omit<AccessRecord, 'startTime' | 'startTimeNanos'>, Omit<Attribution, 'upstreamAmbiguous'> {
  id: number;
  namespace: string | null;
  pod: string | null;
  container: string | null;
  /** The container instance the line came from (live sources). */
  containerId: string | null;
  /** When the container runtime received the line (live sources). */
  logTime: string | null;
  upstreamAmbiguous: boolean;
  /** The file (or, later, the stream) the line was read from. */
  source: string;
  /** The line's number within its source. */
  line: number;
  startTime: string | null;
}

export const recordViewKeys: (keyof RecordView)[] = [
  'id', 'namespace', 'pod', 'container', 'containerId', 'source', 'line', 'startTime', 'logTime', 'method', 'path',
  'protocol', 'status', 'bytesReceived', 'bytesSent', 'durationMs', 'upstreamServiceTimeMs', 'requestId', 'userAgent',
  'forwardedFor', 'authority', 'upstreamHost', 'upstreamIp', 'upstreamPort', 'upstreamCluster', 'upstreamKind',
  'upstreamNamespace', 'upstreamPod', 'upstreamService', 'upstreamAmbiguous', 'responseFlags', 'downstreamRemoteIp',
  'downstreamKind', 'downstreamNamespace', 'downstreamPod', 'ambiguousFields', 'extra',
];

const num = (v: bigint | number | null) => (v === null ? null : Number(v));

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

export function toRecordView(row: AccessRecordRow & { source: Pick<Source, 'namespace' | 'pod' | 'container' | 'containerId' | 'location' | 'key'> }): RecordView {
  return {
    id: row.id,
    namespace: row.source.namespace,
    pod: row.source.pod,
    container: row.source.container,
    containerId: row.source.containerId,
    source: row.source.location ?? row.source.key,
    line: row.seq,
    startTime: row.startTime ? row.startTime.toISOString() : null,
    logTime: row.logTime ? row.logTime.toISOString() : null,
    method: row.method,
    path: row.path,
    protocol: row.protocol,
    status: row.status,
    bytesReceived: num(row.bytesReceived),
    bytesSent: num(row.bytesSent),
    durationMs: row.durationMs,
    upstreamServiceTimeMs: row.upstreamServiceTimeMs,
    requestId: row.requestId,
    userAgent: row.userAgent,
    forwardedFor: row.forwardedFor,
    authority: row.authority,
    upstreamHost: row.upstreamHost,
    upstreamIp: row.upstreamIp,
    upstreamPort: row.upstreamPort,
    upstreamCluster: row.upstreamCluster,
    upstreamKind: row.upstreamKind as RecordView['upstreamKind'],
    upstreamNamespace: row.upstreamNamespace,
    upstreamPod: row.upstreamPod,
    upstreamService: row.upstreamService,
    upstreamAmbiguous: row.upstreamAmbiguous,
    responseFlags: row.responseFlags,
    downstreamRemoteIp: row.downstreamRemoteIp,
    downstreamKind: row.downstreamKind as RecordView['downstreamKind'],
    downstreamNamespace: row.downstreamNamespace,
    downstreamPod: row.downstreamPod,
    ambiguousFields: parseJson<string[]>(row.ambiguousFields),
    extra: parseJson<Record<string, unknown>>(row.extraJson),
  };
}
