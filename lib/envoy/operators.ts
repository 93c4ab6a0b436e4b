// Every command operator Envoy documents for access-log formats, with the kind of value it prints. Checked against
// envoyproxy/envoy docs/root/configuration/advanced/substitution_formatter.rst (the access-log operator list, 1.37),
// source/common/formatter/{stream_info,http_specific}_formatter.cc, and the 1.38/1.39 release notes for the newest
// names. Formatter extensions (METADATA, CEL, TYPED_CEL, REQ_WITHOUT_QUERY) are included: they are linked by default.

/**
 * How a value looks in a text line, which decides how the parser may split a line:
 * - uint: an unsigned integer, always printed (counts, bytes, ids); `-` tolerated for old or TCP lines.
 * - duration: milliseconds (or the unit COMMON_DURATION names), `-` when the moment never happened.
 * - time: a START_TIME-style timestamp in the operator's strftime pattern (default `%Y-%m-%dT%H:%M:%E3SZ`).
 * - address: `ip:port`, `[ipv6]:port`, a Unix socket path, an `envoy://` internal address, or `-`.
 * - ip: an address without its port (`_WITHOUT_PORT`), optionally masked to CIDR (`10.1.0.0/16`).
 * - port: a port number.
 * - flags: RESPONSE_FLAGS, short codes joined by commas, or `-`.
 * - protocol: `HTTP/1.0`, `HTTP/1.1`, `HTTP/2`, `HTTP/3` or `-`.
 * - token: free text that Envoy prints without whitespace (names, ids, sanitised details); may be empty.
 * - text: anything at all (headers, metadata, free-form reasons): may contain spaces, quotes and the
 *   literal that follows it in the format.
 */
export type ValueKind = 'uint' | 'duration' | 'time' | 'address' | 'ip' | 'port' | 'flags' | 'protocol' | 'token' | 'text';

/** Whether the operator takes a `(...)` argument. */
export type ArgRule = 'none' | 'optional' | 'required';

export interface OperatorInfo {
  kind: ValueKind;
  arg: ArgRule;
  /** Accepts `:N` truncation (headers, metadata, filter state, environment). */
  truncatable: boolean;
}

const op = (kind: ValueKind, arg: ArgRule = 'none', truncatable = false): OperatorInfo => ({ kind, arg, truncatable });

const uintOps = [
  'REQUEST_HEADERS_BYTES', 'RESPONSE_HEADERS_BYTES', 'RESPONSE_TRAILERS_BYTES', 'BYTES_RECEIVED', 'BYTES_SENT',
  'BYTES_RETRANSMITTED', 'PACKETS_RETRANSMITTED', 'RESPONSE_CODE', 'UPSTREAM_REQUEST_ATTEMPT_COUNT',
  'UPSTREAM_WIRE_BYTES_SENT', 'UPSTREAM_WIRE_BYTES_RECEIVED', 'UPSTREAM_HEADER_BYTES_SENT',
  'UPSTREAM_HEADER_BYTES_RECEIVED', 'UPSTREAM_DECOMPRESSED_HEADER_BYTES_SENT',
  'UPSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED', 'DOWNSTREAM_WIRE_BYTES_SENT', 'DOWNSTREAM_WIRE_BYTES_RECEIVED',
  'DOWNSTREAM_HEADER_BYTES_SENT', 'DOWNSTREAM_HEADER_BYTES_RECEIVED', 'DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_SENT',
  'DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED', 'CONNECTION_ID', 'UPSTREAM_CONNECTION_ID', 'GRPC_STATUS_NUMBER',
];
const durationOps = [
  'DURATION', 'REQUEST_DURATION', 'REQUEST_TX_DURATION', 'RESPONSE_DURATION', 'RESPONSE_TX_DURATION',
  'DOWNSTREAM_HANDSHAKE_DURATION', 'ROUNDTRIP_DURATION', 'UPSTREAM_CONNECTION_POOL_READY_DURATION',
];
/** Timestamps; the optional argument is a strftime pattern. */
const timeOps = [
  'START_TIME', 'START_TIME_LOCAL', 'EMIT_TIME', 'EMIT_TIME_LOCAL', 'DOWNSTREAM_PEER_CERT_V_START',
  'DOWNSTREAM_PEER_CERT_V_END', 'UPSTREAM_PEER_CERT_V_START', 'UPSTREAM_PEER_CERT_V_END',
];
/** Each has `_WITHOUT_PORT(MASK_PREFIX_LEN)` and `_PORT` variants. */
const addressRoots = [
  'UPSTREAM_LOCAL_ADDRESS', 'UPSTREAM_REMOTE_ADDRESS', 'DOWNSTREAM_REMOTE_ADDRESS', 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS',
  'DOWNSTREAM_LOCAL_ADDRESS', 'DOWNSTREAM_DIRECT_LOCAL_ADDRESS',
];
/** Envoy prints these without whitespace: names, ids, hashes, lists joined by `,`, sanitised details. */
const tokenOps = [
  'RESPONSE_FLAGS_LONG', 'UPSTREAM_CLUSTER', 'UPSTREAM_CLUSTER_RAW', 'UPSTREAM_HOST_NAME',
  'UPSTREAM_HOST_NAME_WITHOUT_PORT', 'UPSTREAM_HOSTS_ATTEMPTED', 'UPSTREAM_HOSTS_ATTEMPTED_WITHOUT_PORT',
  'UPSTREAM_HOST_NAMES_ATTEMPTED', 'UPSTREAM_HOST_NAMES_ATTEMPTED_WITHOUT_PORT', 'UPSTREAM_CONNECTION_IDS_ATTEMPTED',
  'UPSTREAM_SERVER_NAME', 'HOSTNAME', 'STREAM_ID', 'UNIQUE_ID', 'TRACE_ID', 'SPAN_ID', 'ACCESS_LOG_TYPE',
  'UPSTREAM_TLS_VERSION', 'UPSTREAM_TLS_CIPHER', 'UPSTREAM_TLS_SESSION_ID', 'DOWNSTREAM_TLS_VERSION',
  'DOWNSTREAM_TLS_CIPHER', 'DOWNSTREAM_TLS_SESSION_ID', 'DOWNSTREAM_PEER_FINGERPRINT_256',
  'DOWNSTREAM_PEER_FINGERPRINT_1', 'DOWNSTREAM_PEER_SERIAL', 'DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_256',
  'DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_1', 'DOWNSTREAM_PEER_CHAIN_SERIALS', 'TLS_JA3_FINGERPRINT', 'TLS_JA4_FINGERPRINT',
  'UPSTREAM_DETECTED_CLOSE_TYPE', 'DOWNSTREAM_DETECTED_CLOSE_TYPE', 'CUSTOM_FLAGS',
  // Envoy replaces spaces by `_` in this one (UPSTREAM_TRANSPORT_FAILURE_REASON only since 1.30: kept as text).
  'DOWNSTREAM_TRANSPORT_FAILURE_REASON',
];
/** Free text: may hold spaces (certificate subjects, reasons, config names). */
const textOps = [
  'CONNECTION_TERMINATION_DETAILS', 'ROUTE_NAME', 'VIRTUAL_CLUSTER_NAME', 'UPSTREAM_TRANSPORT_FAILURE_REASON',
  'UPSTREAM_LOCAL_CLOSE_REASON', 'DOWNSTREAM_LOCAL_CLOSE_REASON', 'UPSTREAM_PEER_ISSUER', 'UPSTREAM_PEER_CERT',
  'UPSTREAM_PEER_SUBJECT', 'UPSTREAM_PEER_URI_SAN', 'UPSTREAM_PEER_DNS_SAN', 'UPSTREAM_PEER_IP_SAN',
  'UPSTREAM_LOCAL_URI_SAN', 'UPSTREAM_LOCAL_DNS_SAN', 'UPSTREAM_LOCAL_IP_SAN', 'UPSTREAM_LOCAL_SUBJECT',
  'DOWNSTREAM_LOCAL_URI_SAN', 'DOWNSTREAM_PEER_URI_SAN', 'DOWNSTREAM_LOCAL_DNS_SAN', 'DOWNSTREAM_PEER_DNS_SAN',
  'DOWNSTREAM_LOCAL_IP_SAN', 'DOWNSTREAM_PEER_IP_SAN', 'DOWNSTREAM_LOCAL_EMAIL_SAN', 'DOWNSTREAM_PEER_EMAIL_SAN',
  'DOWNSTREAM_LOCAL_OTHERNAME_SAN', 'DOWNSTREAM_PEER_OTHERNAME_SAN', 'DOWNSTREAM_LOCAL_SUBJECT',
  'DOWNSTREAM_PEER_SUBJECT', 'DOWNSTREAM_PEER_ISSUER', 'DOWNSTREAM_PEER_CERT', 'LOCAL_REPLY_BODY', 'FILTER_CHAIN_NAME',
  'UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID', 'DOWNSTREAM_LOCAL_ADDRESS_ENDPOINT_ID',
  'DOWNSTREAM_DIRECT_LOCAL_ADDRESS_ENDPOINT_ID',
];
/** Headers and other values taken from the request or from config: any bytes, `:N` allowed, argument required. */
const freeTextWithArg = [
  'REQ', 'REQUEST_HEADER', 'RESP', 'RESPONSE_HEADER', 'TRAILER', 'RESPONSE_TRAILER', 'STREAM_INFO_REQ',
  'REQ_WITHOUT_QUERY', 'DYNAMIC_METADATA', 'CLUSTER_METADATA', 'UPSTREAM_METADATA', 'METADATA', 'FILTER_STATE',
  'UPSTREAM_FILTER_STATE', 'PER_REQUEST_STATE', 'ENVIRONMENT', 'CEL', 'TYPED_CEL', 'QUERY_PARAM', 'COALESCE',
  'FILE_CONTENT', 'SECRET',
];

const catalog = new Map<string, OperatorInfo>();
for (const name of uintOps) catalog.set(name, op('uint'));
for (const name of durationOps) catalog.set(name, op('duration'));
for (const name of timeOps) catalog.set(name, op('time', 'optional'));
for (const root of addressRoots) {
  catalog.set(root, op('address'));
  catalog.set(`${root}_WITHOUT_PORT`, op('ip', 'optional'));
  catalog.set(`${root.replace(/_ADDRESS$/, '')}_PORT`, op('port'));
}
for (const name of tokenOps) catalog.set(name, op('token'));
for (const name of textOps) catalog.set(name, op('text'));
for (const name of freeTextWithArg) catalog.set(name, op('text', 'required', true));
catalog.set('UPSTREAM_HOST', op('address'));
catalog.set('RESPONSE_FLAGS', op('flags'));
catalog.set('PROTOCOL', op('protocol'));
catalog.set('UPSTREAM_PROTOCOL', op('protocol'));
// Whitespace becomes `_` unless the argument is ALLOW_WHITESPACES.
catalog.set('RESPONSE_CODE_DETAILS', op('token', 'optional'));
catalog.set('COMMON_DURATION', op('duration', 'required'));
catalog.set('GRPC_STATUS', op('token', 'optional'));
// SNI (sanitised by Envoy); with SNI_FIRST / HOST_FIRST it may print the client's :authority instead.
catalog.set('REQUESTED_SERVER_NAME', op('token', 'optional'));
catalog.set('PATH', op('text', 'optional', true));
catalog.set('QUERY_PARAMS', op('text', 'optional', true));

export function operatorInfo(name: string): OperatorInfo | undefined {
  return catalog.get(name);
}

export function knownOperatorNames(): string[] {
  return [...catalog.keys()].sort();
}

/**
 * Response headers whose value Envoy itself writes as a number of milliseconds. Only response headers: a request
 * header comes from the client, and typing it would reject the whole line whenever a client sent garbage.
 */
const numericResponseHeaders = new Set(['X-ENVOY-UPSTREAM-SERVICE-TIME']);

/** The value kind of one use of an operator: most follow the catalog, a few depend on the argument. */
export function kindOf(name: string, arg: string | undefined): ValueKind {
  const info = catalog.get(name);
  if (!info) throw new Error(`unknown operator ${name}`);
  if (name === 'RESPONSE_CODE_DETAILS' && arg === 'ALLOW_WHITESPACES') return 'text';
  if (name === 'REQUESTED_SERVER_NAME' && arg) return 'text';
  if (name === 'GRPC_STATUS' && arg === 'NUMBER') return 'uint';
  if ((name === 'RESP' || name === 'RESPONSE_HEADER') && arg !== undefined) {
    if (arg.toUpperCase().split('?').every((h) => numericResponseHeaders.has(h))) return 'duration';
  }
  return info.kind;
}
