import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenizeFormat, type OperatorToken } from './format-tokens.ts';
import { kindOf, knownOperatorNames, operatorInfo } from './operators.ts';

const kind = (format: string) => (tokenizeFormat(format)[0] as OperatorToken).kind;

// The command operators of Envoy's substitution formatter docs (docs/root/configuration/advanced/
// substitution_formatter.rst, 1.37) as `NAME` or `NAME(arg)` where the argument is required; copied by hand from the
// section headings, so a name missing from the catalog fails here.
const documented = [
  'START_TIME', 'START_TIME_LOCAL', 'EMIT_TIME', 'EMIT_TIME_LOCAL', 'REQUEST_HEADERS_BYTES', 'BYTES_RECEIVED',
  'BYTES_RETRANSMITTED', 'PACKETS_RETRANSMITTED', 'PROTOCOL', 'UPSTREAM_PROTOCOL', 'RESPONSE_CODE',
  'RESPONSE_CODE_DETAILS', 'CONNECTION_TERMINATION_DETAILS', 'RESPONSE_HEADERS_BYTES', 'RESPONSE_TRAILERS_BYTES',
  'BYTES_SENT', 'UPSTREAM_REQUEST_ATTEMPT_COUNT', 'UPSTREAM_WIRE_BYTES_SENT', 'UPSTREAM_WIRE_BYTES_RECEIVED',
  'UPSTREAM_HEADER_BYTES_SENT', 'UPSTREAM_DECOMPRESSED_HEADER_BYTES_SENT', 'UPSTREAM_HEADER_BYTES_RECEIVED',
  'UPSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED', 'DOWNSTREAM_WIRE_BYTES_SENT', 'DOWNSTREAM_WIRE_BYTES_RECEIVED',
  'DOWNSTREAM_HEADER_BYTES_SENT', 'DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_SENT', 'DOWNSTREAM_HEADER_BYTES_RECEIVED',
  'DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED', 'DURATION', 'COMMON_DURATION(DS_RX_BEG:DS_TX_END:ms)',
  'REQUEST_DURATION', 'REQUEST_TX_DURATION', 'RESPONSE_DURATION', 'ROUNDTRIP_DURATION', 'RESPONSE_TX_DURATION',
  'DOWNSTREAM_HANDSHAKE_DURATION', 'UPSTREAM_CONNECTION_POOL_READY_DURATION', 'RESPONSE_FLAGS', 'RESPONSE_FLAGS_LONG',
  'ROUTE_NAME', 'VIRTUAL_CLUSTER_NAME', 'UPSTREAM_HOST', 'UPSTREAM_HOST_NAME', 'UPSTREAM_HOST_NAME_WITHOUT_PORT',
  'UPSTREAM_CLUSTER', 'UPSTREAM_CLUSTER_RAW', 'UPSTREAM_LOCAL_ADDRESS', 'UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT',
  'UPSTREAM_LOCAL_PORT', 'UPSTREAM_REMOTE_ADDRESS', 'UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT', 'UPSTREAM_REMOTE_PORT',
  'UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID', 'UPSTREAM_TRANSPORT_FAILURE_REASON', 'DOWNSTREAM_TRANSPORT_FAILURE_REASON',
  'DOWNSTREAM_LOCAL_CLOSE_REASON', 'DOWNSTREAM_DETECTED_CLOSE_TYPE', 'DOWNSTREAM_REMOTE_ADDRESS',
  'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_REMOTE_PORT', 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS',
  'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_DIRECT_REMOTE_PORT', 'DOWNSTREAM_LOCAL_ADDRESS',
  'DOWNSTREAM_DIRECT_LOCAL_ADDRESS', 'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_DIRECT_LOCAL_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_LOCAL_PORT', 'DOWNSTREAM_DIRECT_LOCAL_PORT', 'DOWNSTREAM_LOCAL_ADDRESS_ENDPOINT_ID',
  'DOWNSTREAM_DIRECT_LOCAL_ADDRESS_ENDPOINT_ID', 'CONNECTION_ID', 'UPSTREAM_CONNECTION_ID', 'STREAM_ID', 'GRPC_STATUS',
  'GRPC_STATUS_NUMBER', 'REQUEST_HEADER(X)', 'REQ(X)', 'RESPONSE_HEADER(X)', 'RESP(X)', 'RESPONSE_TRAILER(X)',
  'TRAILER(X)', 'DYNAMIC_METADATA(ns:key)', 'CLUSTER_METADATA(ns:key)', 'UPSTREAM_METADATA(ns:key)',
  'FILTER_STATE(key:PLAIN)', 'UPSTREAM_FILTER_STATE(key)', 'REQUESTED_SERVER_NAME', 'DOWNSTREAM_LOCAL_IP_SAN',
  'DOWNSTREAM_PEER_IP_SAN', 'DOWNSTREAM_LOCAL_DNS_SAN', 'DOWNSTREAM_PEER_DNS_SAN', 'DOWNSTREAM_LOCAL_URI_SAN',
  'DOWNSTREAM_PEER_URI_SAN', 'DOWNSTREAM_LOCAL_EMAIL_SAN', 'DOWNSTREAM_PEER_EMAIL_SAN', 'DOWNSTREAM_LOCAL_OTHERNAME_SAN',
  'DOWNSTREAM_PEER_OTHERNAME_SAN', 'DOWNSTREAM_LOCAL_SUBJECT', 'DOWNSTREAM_PEER_SUBJECT', 'DOWNSTREAM_PEER_ISSUER',
  'DOWNSTREAM_TLS_SESSION_ID', 'DOWNSTREAM_TLS_CIPHER', 'DOWNSTREAM_TLS_VERSION', 'DOWNSTREAM_PEER_FINGERPRINT_256',
  'DOWNSTREAM_PEER_FINGERPRINT_1', 'DOWNSTREAM_PEER_SERIAL', 'DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_256',
  'DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_1', 'DOWNSTREAM_PEER_CHAIN_SERIALS', 'DOWNSTREAM_PEER_CERT', 'TLS_JA3_FINGERPRINT',
  'TLS_JA4_FINGERPRINT', 'DOWNSTREAM_PEER_CERT_V_START', 'DOWNSTREAM_PEER_CERT_V_END', 'UPSTREAM_PEER_SUBJECT',
  'UPSTREAM_PEER_ISSUER', 'UPSTREAM_TLS_SESSION_ID', 'UPSTREAM_TLS_CIPHER', 'UPSTREAM_TLS_VERSION', 'UPSTREAM_PEER_CERT',
  'UPSTREAM_PEER_CERT_V_START', 'UPSTREAM_PEER_CERT_V_END', 'UPSTREAM_PEER_URI_SAN', 'UPSTREAM_PEER_DNS_SAN',
  'UPSTREAM_PEER_IP_SAN', 'UPSTREAM_LOCAL_URI_SAN', 'UPSTREAM_LOCAL_DNS_SAN', 'UPSTREAM_LOCAL_IP_SAN', 'HOSTNAME',
  'LOCAL_REPLY_BODY', 'FILTER_CHAIN_NAME', 'ACCESS_LOG_TYPE', 'UNIQUE_ID', 'ENVIRONMENT(HOME)', 'TRACE_ID',
  'QUERY_PARAM(q)', 'PATH', 'CUSTOM_FLAGS', 'COALESCE({"operators": ["REQUESTED_SERVER_NAME"]})',
  'METADATA(ROUTE:ns:key)', 'CEL(response.code)', 'TYPED_CEL(response.code)', 'REQ_WITHOUT_QUERY(:PATH)',
  // Newer releases (1.38/1.39 notes): close reasons and types, attempted hosts, span id.
  'UPSTREAM_LOCAL_CLOSE_REASON', 'UPSTREAM_DETECTED_CLOSE_TYPE', 'UPSTREAM_HOSTS_ATTEMPTED',
  'UPSTREAM_HOST_NAMES_ATTEMPTED_WITHOUT_PORT', 'SPAN_ID',
];

test('every documented command operator is recognised', () => {
  for (const written of documented) {
    const tokens = tokenizeFormat(`%${written}%`);
    assert.equal(tokens.length, 1, written);
    assert.equal(tokens[0]!.type, 'operator', written);
  }
  const names = new Set(knownOperatorNames());
  for (const written of documented) assert.ok(names.has(written.replace(/\(.*$/, '')), written);
});

test('counts and sizes are unsigned integers, timings are durations', () => {
  for (const op of ['RESPONSE_CODE', 'BYTES_RECEIVED', 'BYTES_SENT', 'UPSTREAM_REQUEST_ATTEMPT_COUNT', 'CONNECTION_ID',
    'UPSTREAM_WIRE_BYTES_SENT', 'DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED', 'GRPC_STATUS_NUMBER']) {
    assert.equal(kind(`%${op}%`), 'uint', op);
  }
  for (const op of ['DURATION', 'REQUEST_DURATION', 'REQUEST_TX_DURATION', 'RESPONSE_DURATION', 'RESPONSE_TX_DURATION',
    'ROUNDTRIP_DURATION', 'DOWNSTREAM_HANDSHAKE_DURATION', 'UPSTREAM_CONNECTION_POOL_READY_DURATION']) {
    assert.equal(kind(`%${op}%`), 'duration', op);
  }
  assert.equal(kind('%COMMON_DURATION(US_CX_BEG:US_CX_END:ns)%'), 'duration');
});

test('timestamps, addresses, ports, flags and protocols have their own kinds', () => {
  for (const op of ['START_TIME', 'START_TIME_LOCAL', 'EMIT_TIME', 'DOWNSTREAM_PEER_CERT_V_END']) assert.equal(kind(`%${op}%`), 'time');
  assert.equal(kind('%START_TIME(%s.%3f)%'), 'time');
  for (const op of ['UPSTREAM_HOST', 'UPSTREAM_REMOTE_ADDRESS', 'DOWNSTREAM_REMOTE_ADDRESS', 'DOWNSTREAM_DIRECT_LOCAL_ADDRESS']) {
    assert.equal(kind(`%${op}%`), 'address', op);
  }
  assert.equal(kind('%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%'), 'ip');
  assert.equal(kind('%UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT(24)%'), 'ip');
  assert.equal(kind('%DOWNSTREAM_REMOTE_PORT%'), 'port');
  assert.equal(kind('%RESPONSE_FLAGS%'), 'flags');
  assert.equal(kind('%UPSTREAM_PROTOCOL%'), 'protocol');
});

test('free text: headers, metadata, reasons; tokens: names and ids Envoy prints without blanks', () => {
  for (const op of ['REQ(USER-AGENT)', 'RESP(CONTENT-TYPE)', 'TRAILER(GRPC-MESSAGE)', 'DYNAMIC_METADATA(ns)',
    'UPSTREAM_TRANSPORT_FAILURE_REASON', 'CONNECTION_TERMINATION_DETAILS', 'ROUTE_NAME', 'DOWNSTREAM_PEER_SUBJECT']) {
    assert.equal(kind(`%${op}%`), 'text', op);
  }
  for (const op of ['UPSTREAM_CLUSTER', 'UPSTREAM_CLUSTER_RAW', 'UPSTREAM_HOST_NAME', 'REQUESTED_SERVER_NAME', 'TRACE_ID',
    'RESPONSE_CODE_DETAILS', 'GRPC_STATUS', 'DOWNSTREAM_TRANSPORT_FAILURE_REASON']) {
    assert.equal(kind(`%${op}%`), 'token', op);
  }
});

test('some kinds depend on the argument', () => {
  assert.equal(kindOf('RESPONSE_CODE_DETAILS', 'ALLOW_WHITESPACES'), 'text');
  assert.equal(kindOf('GRPC_STATUS', 'NUMBER'), 'uint');
  assert.equal(kindOf('GRPC_STATUS', 'SNAKE_STRING'), 'token');
  assert.equal(kindOf('REQUESTED_SERVER_NAME', 'HOST_FIRST'), 'text'); // may print the client's :authority
  // Envoy writes x-envoy-upstream-service-time itself; case of the header name does not matter.
  assert.equal(kindOf('RESP', 'X-ENVOY-UPSTREAM-SERVICE-TIME'), 'duration');
  assert.equal(kindOf('RESPONSE_HEADER', 'x-envoy-upstream-service-time'), 'duration');
  // A request header comes from the client: never typed, or one odd client would reject its whole line.
  assert.equal(kindOf('REQ', 'X-ENVOY-UPSTREAM-SERVICE-TIME'), 'text');
  assert.equal(kindOf('RESP', 'X-ENVOY-UPSTREAM-SERVICE-TIME?X-OTHER'), 'text');
});

test('argument and truncation rules come with each operator', () => {
  assert.deepEqual(operatorInfo('REQ'), { kind: 'text', arg: 'required', truncatable: true });
  assert.deepEqual(operatorInfo('START_TIME'), { kind: 'time', arg: 'optional', truncatable: false });
  assert.deepEqual(operatorInfo('DURATION'), { kind: 'duration', arg: 'none', truncatable: false });
  assert.equal(operatorInfo('NOPE'), undefined);
  assert.throws(() => kindOf('NOPE', undefined), /unknown operator NOPE/);
});
