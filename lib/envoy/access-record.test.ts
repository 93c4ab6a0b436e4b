import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordMapper, responseFlagList, type AccessRecord } from './access-record.ts';
import { compileFormat, type FormatSpec } from './compile-format.ts';
import { ENVOY_DEFAULT_FORMAT, ISTIO_DEFAULT_FORMAT, SEED_FORMAT } from './default-formats.ts';

function recordOf(spec: FormatSpec, line: string): AccessRecord {
  const format = compileFormat(spec);
  const result = format.parse(line);
  assert.ok(result.ok, JSON.stringify(result));
  return recordMapper(format).toRecord(result.values, result.ambiguous, result.alternatives);
}

const empty: AccessRecord = {
  startTime: null, startTimeNanos: null, method: null, path: null, protocol: null, status: null, bytesReceived: null,
  bytesSent: null, durationMs: null, upstreamServiceTimeMs: null, requestId: null, userAgent: null, forwardedFor: null,
  authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: null, responseFlags: null,
  downstreamRemoteIp: null, ambiguousFields: null, extra: null,
};

test('seed format: every field lands in its column, nothing left over', () => {
  const line = '[2025-12-16T10:05:56.365Z] "GET /test HTTP/1.0" 200 40 0 2b029187-cddb-4278-99b8-2953a7e841a0 "curl/7.81.0" "-" 10.244.0.81:10000 app_service -';
  assert.deepEqual(recordOf({ type: 'text', text: SEED_FORMAT }, line), {
    ...empty,
    startTime: Date.parse('2025-12-16T10:05:56.365Z'),
    method: 'GET',
    path: '/test',
    protocol: 'HTTP/1.0',
    status: 200,
    bytesSent: 40,
    durationMs: 0,
    requestId: '2b029187-cddb-4278-99b8-2953a7e841a0',
    userAgent: 'curl/7.81.0',
    upstreamHost: '10.244.0.81:10000',
    upstreamIp: '10.244.0.81',
    upstreamPort: 10000,
    upstreamCluster: 'app_service',
  });
});

test("Envoy's default format: received bytes, upstream service time, authority, forwarded-for, tcp:// host", () => {
  const line = '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 UF,URX 154 0 226 100 "10.0.35.28" "nsq2http" ' +
    '"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"';
  const r = recordOf({ type: 'text', text: ENVOY_DEFAULT_FORMAT }, line);
  assert.equal(r.bytesReceived, 154);
  assert.equal(r.bytesSent, 0);
  assert.equal(r.durationMs, 226);
  assert.equal(r.upstreamServiceTimeMs, 100);
  assert.equal(r.forwardedFor, '10.0.35.28');
  assert.equal(r.authority, 'locations');
  assert.equal(r.responseFlags, 'UF,URX');
  assert.deepEqual(responseFlagList(r.responseFlags), ['UF', 'URX']);
  assert.deepEqual(responseFlagList(null), []);
  assert.equal(r.upstreamHost, 'tcp://10.0.2.1:80');
  assert.equal(r.upstreamIp, '10.0.2.1');
  assert.equal(r.upstreamPort, 80);
  assert.equal(r.extra, null);
});

test("Istio's default format: raw cluster name, client IP from the downstream address, the rest in extra", () => {
  const line = '[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" ' +
    '"curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "[fd00::27]:80" ' +
    'outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default';
  const r = recordOf({ type: 'text', text: ISTIO_DEFAULT_FORMAT }, line);
  assert.equal(r.upstreamCluster, 'outbound|8000||httpbin.foo.svc.cluster.local');
  assert.equal(r.upstreamIp, 'fd00::27');
  assert.equal(r.upstreamPort, 80);
  assert.equal(r.downstreamRemoteIp, '10.44.1.23');
  assert.equal(r.upstreamServiceTimeMs, 4);
  // Fields without a column, keyed by operator; missing values (-) are left out.
  assert.deepEqual(r.extra, {
    RESPONSE_CODE_DETAILS: 'via_upstream',
    UPSTREAM_LOCAL_ADDRESS: '10.44.1.23:37652',
    DOWNSTREAM_LOCAL_ADDRESS: '10.0.45.184:8000',
    ROUTE_NAME: 'default',
  });
});

test('columns follow the operator whatever its spelling: aliases, alternatives, truncation, PATH', () => {
  const r = recordOf({
    type: 'text',
    text: '%REQUEST_HEADER(:authority)% %REQ(:PATH?X-ENVOY-ORIGINAL-PATH):20% %RESPONSE_HEADER(x-envoy-upstream-service-time)% %REQ(x-request-id):8% %DOWNSTREAM_REMOTE_ADDRESS%',
  }, 'example.com /a/b 12 99032619 [fd00::1]:4711');
  assert.equal(r.authority, 'example.com');
  assert.equal(r.path, '/a/b');
  assert.equal(r.upstreamServiceTimeMs, 12);
  assert.equal(r.requestId, '99032619');
  assert.equal(r.downstreamRemoteIp, 'fd00::1');
  assert.deepEqual(recordOf({ type: 'text', text: '%PATH(NQ:ORIG)% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' }, '/x fd00::1'),
    { ...empty, path: '/x', downstreamRemoteIp: 'fd00::1' });
});

test('the first field of a column wins; a duplicate goes to extra under its key', () => {
  const r = recordOf({ type: 'text', text: '%UPSTREAM_CLUSTER% %UPSTREAM_CLUSTER_RAW% %RESPONSE_CODE% %GRPC_STATUS(NUMBER)%' },
    'alt raw 200 14');
  assert.equal(r.upstreamCluster, 'alt');
  assert.equal(r.status, 200);
  assert.deepEqual(r.extra, { UPSTREAM_CLUSTER_RAW: 'raw', 'GRPC_STATUS(NUMBER)': 14 });
});

test('start time: nanoseconds beyond the millisecond; a local time without offset is not taken as the start', () => {
  const r = recordOf({ type: 'text', text: '%START_TIME(%s.%9f)% %START_TIME_LOCAL(%H:%M)%' }, '1527590590.528123456 10:43');
  assert.equal(r.startTime, 1527590590528);
  assert.equal(r.startTimeNanos, 123456);
  assert.deepEqual(r.extra, { 'START_TIME_LOCAL(%H:%M)': '1970-01-01T10:43:00.000Z' });
  const local = recordOf({ type: 'text', text: '%START_TIME_LOCAL%' }, '2016-04-15T22:17:00.310+0200');
  assert.equal(local.startTime, Date.parse('2016-04-15T20:17:00.310Z'));
  assert.equal(local.startTimeNanos, null);
});

test('a masked client address is a network, not the client: it stays in extra', () => {
  const r = recordOf({ type: 'text', text: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(16)%' }, '10.1.0.0/16');
  assert.equal(r.downstreamRemoteIp, null);
  assert.deepEqual(r.extra, { 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(16)': '10.1.0.0/16' });
});

test('json_format: columns by operator, mixed values and metadata as extra', () => {
  const r = recordOf({
    type: 'json',
    json: { ts: '%START_TIME%', code: '%RESPONSE_CODE%', up: { host: '%UPSTREAM_HOST%' }, took: '%DURATION%ms', m: '%DYNAMIC_METADATA(ns)%' },
  }, '{"ts":"2020-11-25T21:26:18.409Z","code":503,"up":{"host":"10.0.0.9:8080"},"took":"12ms","m":{"k":"v"}}');
  assert.equal(r.startTime, Date.parse('2020-11-25T21:26:18.409Z'));
  assert.equal(r.status, 503);
  assert.equal(r.upstreamIp, '10.0.0.9');
  assert.equal(r.upstreamPort, 8080);
  assert.deepEqual(r.extra, { took: '12ms', 'DYNAMIC_METADATA(ns)': '{"k":"v"}' });
});

test('ambiguous fields: null in their columns, listed by key, with their alternatives in extra', () => {
  const line = '[2025-12-16T09:45:56.365Z] "GET /test HTTP/1.0" 200 40 0 99032619 "curl/7.81.0 "x" "-" 10.105.148.194:10000 app_service -';
  const r = recordOf({ type: 'text', text: SEED_FORMAT }, line);
  assert.equal(r.requestId, null);
  assert.equal(r.userAgent, null);
  assert.equal(r.status, 200);
  assert.equal(r.upstreamIp, '10.105.148.194');
  assert.deepEqual(r.ambiguousFields, ['REQ(X-REQUEST-ID)', 'REQ(USER-AGENT)']);
  assert.deepEqual(r.extra, {
    $alternatives: {
      'REQ(X-REQUEST-ID)': ['99032619', '99032619 "curl/7.81.0'],
      'REQ(USER-AGENT)': ['curl/7.81.0 "x', 'x'],
    },
  });
});

test('a value too long to index (a hostile X-Request-ID, a forged host or cluster) is kept in extra, not its column', () => {
  const longId = 'é'.repeat(513); // 1,026 UTF-8 bytes in 513 characters: the byte count decides
  const host = `/run/envoy/${'s'.repeat(300)}.sock`; // a socket path: the only address form this long
  const line = `[2025-12-16T10:05:56.365Z] "GET /a HTTP/1.1" 200 1 2 ${longId} "curl" "-" ${host} ${'c'.repeat(257)} -`;
  const r = recordOf({ type: 'text', text: SEED_FORMAT }, line);
  assert.equal(r.requestId, null);
  assert.equal(r.upstreamHost, null);
  assert.equal(r.upstreamIp, null);
  assert.equal(r.upstreamCluster, null);
  assert.equal(r.path, '/a');
  assert.equal(r.status, 200);
  assert.equal(r.extra!['REQ(X-REQUEST-ID)'], longId);
  assert.equal(r.extra!['UPSTREAM_HOST'], host);
  assert.deepEqual(r.extra!['$notIndexed'], ['REQ(X-REQUEST-ID)', 'UPSTREAM_HOST', 'UPSTREAM_CLUSTER']);
  // At the limit, a value stays in its column.
  const ok = recordOf({ type: 'text', text: SEED_FORMAT }, line.replace(longId, 'é'.repeat(512)).replace(host, '10.0.0.1:80').replace('c'.repeat(257), 'c'.repeat(256)));
  assert.equal(ok.requestId, 'é'.repeat(512));
  assert.equal(ok.upstreamCluster, 'c'.repeat(256));
  assert.equal(ok.extra, null);
});
