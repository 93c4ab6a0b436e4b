// Maps a parsed line onto the typed record the store keeps: well-known operators fill named fields (whatever key
// or truncation the format wrote them with); every other field goes to `extra`.
import { splitAddress } from './address.ts';
import type { CompiledFormat } from './compile-format.ts';
import type { FieldValue } from './field-reader.ts';
import type { OperatorToken } from './format-tokens.ts';
import { instantToIso, isInstant } from './instant.ts';

export interface AccessRecord {
  /** Epoch milliseconds of START_TIME. */
  startTime: number | null;
  /** Sub-millisecond nanoseconds when the format logs µs or ns. */
  startTimeNanos: number | null;
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
  /** RESPONSE_FLAGS as Envoy wrote it, short codes joined by commas (`UF,URX`); see responseFlagList. */
  responseFlags: string | null;
  downstreamRemoteIp: string | null;
  /** Keys of fields the line's possible splits disagree on. */
  ambiguousFields: string[] | null;
  /**
   * Remaining fields keyed by operator; `$alternatives` holds what ambiguous fields could be, `$notIndexed` the keys of
   * values too long for their indexed column (see INDEXED_MAX_BYTES), which are kept here instead.
   */
  extra: Record<string, unknown> | null;
}

/**
 * The most UTF-8 bytes a value may have in a column the store indexes or keys rollups by. A PostgreSQL btree entry
 * holds at most 2,704 bytes, so one longer value (a client's X-Request-ID, or a forged line) would fail its whole
 * ingest transaction. A longer value is kept in `extra` under its key and listed in `extra.$notIndexed`; real ones are
 * far shorter (a request id is a UUID; hosts, clusters and flags are Envoy's own).
 */
export const INDEXED_MAX_BYTES: Readonly<Partial<Record<Column, number>>> = { requestId: 1024, upstreamHost: 256, upstreamCluster: 256, responseFlags: 256 };

/** Whether `v` is over `max` UTF-8 bytes (counted only when its length allows it: at most 3 bytes per UTF-16 unit). */
const overBytes = (v: string, max: number) => v.length * 3 > max && Buffer.byteLength(v, 'utf8') > max;

type Column = 'startTime' | 'method' | 'path' | 'protocol' | 'status' | 'bytesReceived' | 'bytesSent' | 'durationMs'
  | 'upstreamServiceTimeMs' | 'requestId' | 'userAgent' | 'forwardedFor' | 'authority' | 'upstreamHost'
  | 'upstreamCluster' | 'responseFlags' | 'downstreamRemote';

/** Which column an operator fills, by its name and upper-cased argument. */
function columnFor(op: OperatorToken): Column | undefined {
  const arg = op.arg?.toUpperCase();
  switch (op.name) {
    case 'START_TIME': return 'startTime';
    // Local time is the same instant when the pattern carries the offset (the default does) or epoch seconds.
    case 'START_TIME_LOCAL': return op.arg === undefined || /%E?\*?z|%s/.test(op.arg) ? 'startTime' : undefined;
    case 'PROTOCOL': return 'protocol';
    case 'RESPONSE_CODE': return 'status';
    case 'BYTES_RECEIVED': return 'bytesReceived';
    case 'BYTES_SENT': return 'bytesSent';
    case 'DURATION': return 'durationMs';
    case 'UPSTREAM_HOST': return 'upstreamHost';
    case 'UPSTREAM_CLUSTER': case 'UPSTREAM_CLUSTER_RAW': return 'upstreamCluster';
    case 'RESPONSE_FLAGS': return 'responseFlags';
    case 'DOWNSTREAM_REMOTE_ADDRESS': return 'downstreamRemote';
    // A masked address (`_WITHOUT_PORT(16)`) is a network, not the client.
    case 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT': return arg === undefined ? 'downstreamRemote' : undefined;
    case 'PATH': case 'REQ_WITHOUT_QUERY': return 'path';
    case 'RESP': case 'RESPONSE_HEADER':
      return arg === 'X-ENVOY-UPSTREAM-SERVICE-TIME' ? 'upstreamServiceTimeMs' : undefined;
    case 'REQ': case 'REQUEST_HEADER': {
      const first = arg?.split('?')[0];
      if (first === ':METHOD') return 'method';
      if (first === ':PATH' || first === 'X-ENVOY-ORIGINAL-PATH') return 'path';
      if (first === 'X-REQUEST-ID') return 'requestId';
      if (first === 'USER-AGENT') return 'userAgent';
      if (first === 'X-FORWARDED-FOR') return 'forwardedFor';
      if (first === ':AUTHORITY' || first === 'HOST') return 'authority';
      return undefined;
    }
    default: return undefined;
  }
}

/** The response flags of a record as a list: `UF,URX` → ['UF', 'URX'], none → []. */
export function responseFlagList(flags: string | null): string[] {
  return flags ? flags.split(',') : [];
}

export interface RecordMapper {
  toRecord(values: FieldValue[], ambiguous?: number[], alternatives?: string[][]): AccessRecord;
}

/** Built once per compiled format: the first field of each column wins, later duplicates go to `extra`. */
export function recordMapper(format: CompiledFormat): RecordMapper {
  const taken = new Set<Column>();
  const columns = format.operators.map((op) => {
    const column = op ? columnFor(op) : undefined;
    if (!column || taken.has(column)) return undefined;
    taken.add(column);
    return column;
  });
  const keys = format.keys;
  return {
    toRecord(values, ambiguous, alternatives) {
      const r: AccessRecord = {
        startTime: null, startTimeNanos: null, method: null, path: null, protocol: null, status: null,
        bytesReceived: null, bytesSent: null, durationMs: null, upstreamServiceTimeMs: null, requestId: null,
        userAgent: null, forwardedFor: null, authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null,
        upstreamCluster: null, responseFlags: null, downstreamRemoteIp: null, ambiguousFields: null, extra: null,
      };
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        const column = columns[i];
        if (column === undefined) {
          if (v !== null) (r.extra ??= {})[keys[i]!] = isInstant(v) ? instantToIso(v) : v;
          continue;
        }
        if (v === null) continue;
        const max = INDEXED_MAX_BYTES[column];
        if (max !== undefined && typeof v === 'string' && overBytes(v, max)) {
          const extra = (r.extra ??= {});
          extra[keys[i]!] = v;
          ((extra['$notIndexed'] ??= []) as string[]).push(keys[i]!);
          continue;
        }
        switch (column) {
          case 'startTime':
            if (isInstant(v)) {
              r.startTime = v.ms;
              r.startTimeNanos = v.subMsNanos ?? null;
            }
            break;
          case 'upstreamHost': {
            r.upstreamHost = String(v);
            const hp = splitAddress(r.upstreamHost);
            r.upstreamIp = hp.ip;
            r.upstreamPort = hp.port;
            break;
          }
          case 'downstreamRemote':
            r.downstreamRemoteIp = splitAddress(String(v)).ip;
            break;
          case 'status': case 'bytesReceived': case 'bytesSent': case 'durationMs': case 'upstreamServiceTimeMs':
            r[column] = typeof v === 'number' ? v : null;
            break;
          default:
            r[column] = typeof v === 'string' ? v : String(v);
        }
      }
      if (ambiguous?.length) {
        r.ambiguousFields = ambiguous.map((i) => keys[i]!);
        const alt: Record<string, string[]> = {};
        ambiguous.forEach((i, k) => (alt[keys[i]!] = alternatives?.[k] ?? []));
        (r.extra ??= {})['$alternatives'] = alt;
      }
      return r;
    },
  };
}
