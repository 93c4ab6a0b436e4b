// The value each Envoy command operator takes for one simulated request, typed as v3 json_format types it: numbers
// for counts and durations, strings for everything else, null when Envoy would print `-`. Text rendering and
// truncation happen in access-line-writer.ts; this file only answers "what does Envoy know".
import type { OperatorToken } from '../../../envoy/format-tokens.ts';
import type { AccessRequest } from './access-request.ts';
import { defaultStartTime, formatStartTime, type TimeOfRequest } from './strftime.ts';

export type OperatorValue = string | number | null;

/** Long names of the core response flags (source/common/stream_info/utility.h), for RESPONSE_FLAGS_LONG. */
const longFlags: Record<string, string> = {
  UH: 'NoHealthyUpstream', UF: 'UpstreamConnectionFailure', UO: 'UpstreamOverflow', NR: 'NoRouteFound',
  URX: 'UpstreamRetryLimitExceeded', NC: 'NoClusterFound', DT: 'DurationTimeout', DC: 'DownstreamConnectionTermination',
  LH: 'FailedLocalHealthCheck', UT: 'UpstreamRequestTimeout', LR: 'LocalReset', UR: 'UpstreamRemoteReset',
  UC: 'UpstreamConnectionTermination', DI: 'DelayInjected', FI: 'FaultInjected', RL: 'RateLimited',
  UAEX: 'UnauthorizedExternalService', RLSE: 'RateLimitServiceError', IH: 'InvalidEnvoyRequestHeaders',
  SI: 'StreamIdleTimeout', DPE: 'DownstreamProtocolError', UPE: 'UpstreamProtocolError', UMSDR: 'UpstreamMaxStreamDurationReached',
  RFCF: 'ResponseFromCacheFilter', NFCF: 'NoFilterConfigFound', OM: 'OverloadManagerTerminated', DF: 'DnsResolutionFailed',
  DO: 'DropOverload', DR: 'DownstreamRemoteReset',
};

/** Envoy prints several flags in this fixed order, whatever order they were raised in. */
const flagOrder = ['LH', 'UH', 'UT', 'LR', 'UR', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'RL', 'UAEX', 'RLSE', 'DC', 'URX', 'SI',
  'IH', 'DPE', 'UMSDR', 'RFCF', 'NFCF', 'DT', 'UPE', 'NC', 'OM', 'DF', 'DO', 'DR'];

export function orderedFlags(flags: string[]): string[] {
  const rank = (f: string) => {
    const i = flagOrder.indexOf(f);
    return i < 0 ? flagOrder.length : i;
  };
  return [...flags].sort((a, b) => rank(a) - rank(b));
}

/** All request headers the request carries, by lower-case name (pseudo-headers included, as Envoy sees them). */
export function requestHeaderMap(req: AccessRequest): Map<string, string> {
  const h = new Map<string, string>();
  const set = (name: string, v: string | null | undefined) => {
    if (v !== null && v !== undefined) h.set(name, v);
  };
  set(':method', req.method);
  set(':path', req.path);
  set(':authority', req.authority);
  set('host', req.authority);
  set(':scheme', req.protocol ? 'http' : null);
  set('user-agent', req.userAgent);
  set('x-request-id', req.requestId);
  set('x-forwarded-for', req.forwardedFor);
  set('x-envoy-original-path', req.originalPath);
  for (const [k, v] of Object.entries(req.requestHeaders ?? {})) h.set(k.toLowerCase(), v);
  return h;
}

export function responseHeaderMap(req: AccessRequest): Map<string, string> {
  const h = new Map<string, string>();
  if (req.upstreamServiceTimeMs !== null && req.upstreamServiceTimeMs !== undefined) {
    h.set('x-envoy-upstream-service-time', String(req.upstreamServiceTimeMs));
  }
  if (req.status > 0) h.set(':status', String(req.status));
  for (const [k, v] of Object.entries(req.responseHeaders ?? {})) h.set(k.toLowerCase(), v);
  return h;
}

/** `REQ(X?Y)`: header X, else Y. */
function header(map: Map<string, string>, arg: string | undefined): string | null {
  for (const name of (arg ?? '').split('?')) {
    const v = map.get(name.toLowerCase());
    if (v !== undefined) return v;
  }
  return null;
}

/** `ip:port` / `[v6]:port` / a socket path → its parts. */
function splitHostPort(address: string): { ip: string; port: number | null } {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(address);
  if (v6) return { ip: v6[1]!, port: Number(v6[2]) };
  const v4 = /^([^:]+):(\d+)$/.exec(address);
  if (v4) return { ip: v4[1]!, port: Number(v4[2]) };
  return { ip: address, port: null };
}

/** `_WITHOUT_PORT(N)` masks the address to its first N bits (IPv4 only here) and prints `ip/N`. */
function maskIp(ip: string, arg: string | undefined): string {
  if (!arg) return ip;
  const bits = Number(arg);
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) return ip;
  const n = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const m = (n & mask) >>> 0;
  return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}/${Math.min(bits, 32)}`;
}

function addressValue(token: OperatorToken, req: AccessRequest): OperatorValue | undefined {
  const roots: [string, string | null | undefined][] = [
    ['UPSTREAM_LOCAL_ADDRESS', req.upstreamLocalAddress],
    ['UPSTREAM_REMOTE_ADDRESS', req.upstreamHost],
    ['DOWNSTREAM_REMOTE_ADDRESS', req.downstreamRemoteAddress],
    ['DOWNSTREAM_DIRECT_REMOTE_ADDRESS', req.downstreamRemoteAddress],
    ['DOWNSTREAM_LOCAL_ADDRESS', req.downstreamLocalAddress],
    ['DOWNSTREAM_DIRECT_LOCAL_ADDRESS', req.downstreamLocalAddress],
  ];
  for (const [root, address] of roots) {
    const portName = `${root.replace(/_ADDRESS$/, '')}_PORT`;
    if (token.name === root) return address ?? null;
    if (token.name === `${root}_WITHOUT_PORT`) return address ? maskIp(splitHostPort(address).ip, token.arg) : null;
    if (token.name === portName) return address ? splitHostPort(address).port : null;
  }
  return undefined;
}

function stripQuery(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

function queryOf(path: string | null | undefined): string | null {
  if (!path) return null;
  const q = path.indexOf('?');
  return q < 0 ? null : path.slice(q + 1);
}

function approxHeaderBytes(map: Map<string, string>): number {
  let n = 0;
  for (const [k, v] of map) if (k !== 'host') n += k.length + v.length + 4;
  return n;
}

/** Time points inside the request, in ms after start, derived so they stay consistent with DURATION. */
function phases(req: AccessRequest) {
  const duration = req.durationMs ?? null;
  const upstream = req.upstreamHost ? req.upstreamServiceTimeMs ?? null : null;
  const requestDone = duration === null ? null : Math.min(duration, Math.floor(duration / 20));
  const firstUpstreamByte = upstream === null || duration === null ? null : Math.max(requestDone ?? 0, duration - Math.floor(duration / 10));
  return { duration, requestDone, firstUpstreamByte, upstreamSent: upstream === null ? null : requestDone };
}

export function operatorValue(token: OperatorToken, req: AccessRequest): OperatorValue {
  const address = addressValue(token, req);
  if (address !== undefined) return address;
  const start: TimeOfRequest = { ms: req.startMs, subMsNanos: req.startSubMsNanos };
  const p = phases(req);
  const hasUpstream = !!req.upstreamHost;
  switch (token.name) {
    case 'START_TIME':
    case 'START_TIME_LOCAL':
      return token.arg ? formatStartTime(token.arg, start)
        : token.name === 'START_TIME' ? defaultStartTime(start) : formatStartTime('%Y-%m-%dT%H:%M:%S.%3f%z', start);
    case 'EMIT_TIME':
    case 'EMIT_TIME_LOCAL': {
      const emit = { ms: req.startMs + (req.durationMs ?? 0), subMsNanos: req.startSubMsNanos };
      return token.arg ? formatStartTime(token.arg, emit)
        : token.name === 'EMIT_TIME' ? defaultStartTime(emit) : formatStartTime('%Y-%m-%dT%H:%M:%S.%3f%z', emit);
    }
    case 'REQ': case 'REQUEST_HEADER': case 'STREAM_INFO_REQ':
      return header(requestHeaderMap(req), token.arg);
    case 'REQ_WITHOUT_QUERY': {
      const v = header(requestHeaderMap(req), token.arg);
      return v === null ? null : stripQuery(v);
    }
    case 'RESP': case 'RESPONSE_HEADER':
      return header(responseHeaderMap(req), token.arg);
    case 'TRAILER': case 'RESPONSE_TRAILER':
      return null;
    case 'PATH': {
      const arg = token.arg ?? '';
      const path = arg.includes('ORIG') ? req.originalPath ?? req.path : req.path;
      if (path === null || path === undefined) return null;
      return arg.includes('NQ') ? stripQuery(path) : path;
    }
    case 'QUERY_PARAMS':
      return queryOf(req.path);
    case 'QUERY_PARAM': {
      const q = queryOf(req.path);
      return q === null ? null : new URLSearchParams(q).get(token.arg ?? '');
    }
    case 'PROTOCOL': return req.protocol ?? null;
    case 'UPSTREAM_PROTOCOL': return hasUpstream ? req.upstreamProtocol ?? req.protocol ?? null : null;
    case 'RESPONSE_CODE': return req.status;
    case 'RESPONSE_FLAGS': return req.responseFlags.length ? orderedFlags(req.responseFlags).join(',') : null;
    case 'RESPONSE_FLAGS_LONG':
      return req.responseFlags.length ? orderedFlags(req.responseFlags).map((f) => longFlags[f] ?? f).join(',') : null;
    case 'RESPONSE_CODE_DETAILS': {
      const d = req.responseCodeDetails ?? null;
      return d === null || token.arg === 'ALLOW_WHITESPACES' ? d : d.replace(/\s/g, '_');
    }
    case 'CONNECTION_TERMINATION_DETAILS': return req.connectionTerminationDetails ?? null;
    case 'UPSTREAM_TRANSPORT_FAILURE_REASON': return req.upstreamTransportFailureReason ?? null;
    case 'DOWNSTREAM_TRANSPORT_FAILURE_REASON': return null;
    case 'REQUESTED_SERVER_NAME': {
      const sni = req.requestedServerName ?? null;
      if (token.arg === 'HOST_FIRST') return req.authority ?? sni;
      if (token.arg === 'SNI_FIRST') return sni ?? req.authority ?? null;
      return sni;
    }
    case 'BYTES_RECEIVED': return req.bytesReceived;
    case 'BYTES_SENT': return req.bytesSent;
    case 'REQUEST_HEADERS_BYTES': case 'DOWNSTREAM_HEADER_BYTES_RECEIVED': case 'DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED':
      return approxHeaderBytes(requestHeaderMap(req));
    case 'RESPONSE_HEADERS_BYTES': case 'DOWNSTREAM_HEADER_BYTES_SENT': case 'DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_SENT':
      return req.status > 0 ? approxHeaderBytes(responseHeaderMap(req)) : 0;
    case 'DOWNSTREAM_WIRE_BYTES_RECEIVED':
      return req.bytesReceived + approxHeaderBytes(requestHeaderMap(req));
    case 'DOWNSTREAM_WIRE_BYTES_SENT':
      return req.bytesSent + (req.status > 0 ? approxHeaderBytes(responseHeaderMap(req)) : 0);
    case 'UPSTREAM_WIRE_BYTES_SENT': case 'UPSTREAM_HEADER_BYTES_SENT': case 'UPSTREAM_DECOMPRESSED_HEADER_BYTES_SENT':
      return hasUpstream ? approxHeaderBytes(requestHeaderMap(req)) + (token.name === 'UPSTREAM_WIRE_BYTES_SENT' ? req.bytesReceived : 0) : 0;
    case 'UPSTREAM_WIRE_BYTES_RECEIVED': case 'UPSTREAM_HEADER_BYTES_RECEIVED': case 'UPSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED':
      return hasUpstream && req.upstreamServiceTimeMs !== null && req.upstreamServiceTimeMs !== undefined
        ? approxHeaderBytes(responseHeaderMap(req)) + (token.name === 'UPSTREAM_WIRE_BYTES_RECEIVED' ? req.bytesSent : 0) : 0;
    case 'UPSTREAM_REQUEST_ATTEMPT_COUNT': return req.attemptCount ?? (hasUpstream ? 1 : 0);
    case 'CONNECTION_ID': return req.connectionId ?? 0;
    case 'UPSTREAM_CONNECTION_ID': return hasUpstream ? (req.connectionId ?? 0) + 1 : 0;
    case 'DURATION': return p.duration;
    case 'REQUEST_DURATION': return p.requestDone;
    case 'REQUEST_TX_DURATION': return p.upstreamSent;
    case 'RESPONSE_DURATION': return p.firstUpstreamByte;
    case 'RESPONSE_TX_DURATION':
      return p.firstUpstreamByte === null || p.duration === null ? null : p.duration - p.firstUpstreamByte;
    case 'UPSTREAM_CONNECTION_POOL_READY_DURATION': return hasUpstream ? 0 : null;
    case 'DOWNSTREAM_HANDSHAKE_DURATION': case 'ROUNDTRIP_DURATION': return null;
    case 'COMMON_DURATION': {
      if (p.duration === null) return null;
      const unit = (token.arg ?? '').split(':')[2] ?? 'ms';
      return unit === 'us' ? p.duration * 1000 : unit === 'ns' ? p.duration * 1_000_000 : p.duration;
    }
    case 'UPSTREAM_HOST': case 'UPSTREAM_HOST_NAME': case 'UPSTREAM_HOSTS_ATTEMPTED': case 'UPSTREAM_HOST_NAMES_ATTEMPTED':
      return req.upstreamHost ?? null;
    case 'UPSTREAM_HOST_NAME_WITHOUT_PORT': case 'UPSTREAM_HOSTS_ATTEMPTED_WITHOUT_PORT':
    case 'UPSTREAM_HOST_NAMES_ATTEMPTED_WITHOUT_PORT':
      return req.upstreamHost ? splitHostPort(req.upstreamHost).ip : null;
    case 'UPSTREAM_CONNECTION_IDS_ATTEMPTED': return hasUpstream ? String((req.connectionId ?? 0) + 1) : null;
    case 'UPSTREAM_CLUSTER': case 'UPSTREAM_CLUSTER_RAW': return req.upstreamCluster ?? null;
    case 'ROUTE_NAME': return req.routeName ?? null;
    case 'HOSTNAME': return req.hostname ?? null;
    case 'UNIQUE_ID': case 'STREAM_ID': return req.requestId ?? null;
    case 'ACCESS_LOG_TYPE': return 'DownstreamEnd';
    case 'UPSTREAM_DETECTED_CLOSE_TYPE': case 'DOWNSTREAM_DETECTED_CLOSE_TYPE': return 'Normal';
    case 'LOCAL_REPLY_BODY':
      if (req.responseFlags.includes('UH')) return 'no healthy upstream';
      if (req.responseFlags.includes('UF')) return 'upstream connect error or disconnect/reset before headers. reset reason: connection failure';
      return null;
    case 'ENVIRONMENT': {
      const name = (token.arg ?? '').split(':')[0]!;
      return req.environment?.[name] ?? null;
    }
    case 'GRPC_STATUS': case 'GRPC_STATUS_NUMBER':
      // Not a gRPC request: Envoy has no grpc-status to print.
      return token.kind === 'uint' ? 0 : null;
  }
  // TLS, metadata, filter state, CEL, tracing…: nothing the simulated plain-HTTP sidecar has. Counts print 0.
  return token.kind === 'uint' ? 0 : null;
}
