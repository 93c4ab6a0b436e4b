// The record as every reader sees it (CLI export, pages, API): stable camelCase keys, ISO times, plain numbers.
import type { AccessRecord as AccessRecordRow, Source } from '../../generated/prisma/client.ts';

export interface RecordView {
  id: number;
  namespace: string | null;
  pod: string | null;
  container: string | null;
  source: string;
  line: number;
  startTime: string | null;
  method: string | null;
  path: string | null;
  protocol: string | null;
  status: number | null;
  bytesReceived: number | null;
  bytesSent: number | null;
  durationMs: number | null;
  upstreamServiceTimeMs: number | null;
  requestId: string | null;
  userAgent: string | null;
  forwardedFor: string | null;
  authority: string | null;
  upstreamHost: string | null;
  upstreamIp: string | null;
  upstreamPort: number | null;
  upstreamCluster: string | null;
  responseFlags: string | null;
  ambiguousFields: string[] | null;
  extra: Record<string, unknown> | null;
}

export const recordViewKeys: (keyof RecordView)[] = [
  'id', 'namespace', 'pod', 'container', 'source', 'line', 'startTime', 'method', 'path', 'protocol', 'status',
  'bytesReceived', 'bytesSent', 'durationMs', 'upstreamServiceTimeMs', 'requestId', 'userAgent', 'forwardedFor',
  'authority', 'upstreamHost', 'upstreamIp', 'upstreamPort', 'upstreamCluster', 'responseFlags', 'ambiguousFields', 'extra',
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

export function toRecordView(row: AccessRecordRow & { source: Pick<Source, 'namespace' | 'pod' | 'container' | 'location' | 'key'> }): RecordView {
  return {
    id: row.id,
    namespace: row.source.namespace,
    pod: row.source.pod,
    container: row.source.container,
    source: row.source.location ?? row.source.key,
    line: row.seq,
    startTime: row.startTime ? row.startTime.toISOString() : null,
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
    responseFlags: row.responseFlags,
    ambiguousFields: parseJson<string[]>(row.ambiguousFields),
    extra: parseJson<Record<string, unknown>>(row.extraJson),
  };
}
