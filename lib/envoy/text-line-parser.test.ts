import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat, textLineParserFor, type LineResult } from './compile-format.ts';
import { ENVOY_DEFAULT_FORMAT, ISTIO_DEFAULT_FORMAT, SEED_FORMAT } from './default-formats.ts';
import { fieldReader, NOT_A_VALUE, SpanRule, type FieldReader } from './field-reader.ts';
import { tokenizeFormat, type OperatorToken } from './format-tokens.ts';
import { TextLineParser } from './text-line-parser.ts';

const seed = compileFormat({ type: 'text', text: SEED_FORMAT });
const envoy = compileFormat({ type: 'text', text: ENVOY_DEFAULT_FORMAT });
const istio = compileFormat({ type: 'text', text: ISTIO_DEFAULT_FORMAT });
const ms = (iso: string) => ({ ms: Date.parse(iso) });

/** The parsed fields by key, for readable assertions. */
function fields(format: typeof seed, result: LineResult): Record<string, unknown> {
  assert.ok(result.ok, `expected the line to parse: ${JSON.stringify(result)}`);
  return Object.fromEntries(format.keys.map((k, i) => [k, result.values[i]]));
}

function failure(result: LineResult): { reason: string; column: number } {
  assert.ok(!result.ok, `expected a rejection, got ${JSON.stringify(result)}`);
  return result;
}

test('the seed scenario: its three log lines, every field', () => {
  // shared/fixtures/seed/access-log-clusterip.log and access-log-headless.log, verbatim.
  const lines = [
    '[2025-12-16T09:45:56.365Z] "GET /test HTTP/1.0" 200 40 0 99032619-a060-481d-8f0d-9d773fad9b12 "curl/7.81.0" "-" 10.105.148.194:10000 app_service -',
    '[2025-12-16T10:05:56.365Z] "GET /test HTTP/1.0" 200 40 0 2b029187-cddb-4278-99b8-2953a7e841a0 "curl/7.81.0" "-" 10.244.0.81:10000 app_service -',
    '[2025-12-16T10:05:57.453Z] "GET /test HTTP/1.0" 200 40 1 384f9394-7ff9-4abb-b0f8-f9b69f2ba992 "curl/7.81.0" "-" 10.244.0.82:10000 app_service -',
  ];
  const expected = [
    ['2025-12-16T09:45:56.365Z', 0, '99032619-a060-481d-8f0d-9d773fad9b12', '10.105.148.194:10000'],
    ['2025-12-16T10:05:56.365Z', 0, '2b029187-cddb-4278-99b8-2953a7e841a0', '10.244.0.81:10000'],
    ['2025-12-16T10:05:57.453Z', 1, '384f9394-7ff9-4abb-b0f8-f9b69f2ba992', '10.244.0.82:10000'],
  ] as const;
  lines.forEach((line, k) => {
    const [time, duration, requestId, host] = expected[k]!;
    const result = seed.parse(line);
    assert.deepEqual(fields(seed, result), {
      START_TIME: ms(time),
      'REQ(:METHOD)': 'GET',
      'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': '/test',
      PROTOCOL: 'HTTP/1.0',
      RESPONSE_CODE: 200,
      BYTES_SENT: 40,
      DURATION: duration,
      'REQ(X-REQUEST-ID)': requestId,
      'REQ(USER-AGENT)': 'curl/7.81.0',
      'REQ(X-FORWARDED-FOR)': null,
      UPSTREAM_HOST: host,
      UPSTREAM_CLUSTER: 'app_service',
      RESPONSE_FLAGS: null,
    });
    assert.equal((result as { ambiguous?: number[] }).ambiguous, undefined);
  });
});

test("Envoy's default format: the documented HTTP line", () => {
  const line = '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" ' +
    '"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"';
  assert.deepEqual(fields(envoy, envoy.parse(line)), {
    START_TIME: ms('2016-04-15T20:17:00.310Z'),
    'REQ(:METHOD)': 'POST',
    'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': '/api/v1/locations',
    PROTOCOL: 'HTTP/2',
    RESPONSE_CODE: 204,
    RESPONSE_FLAGS: null,
    BYTES_RECEIVED: 154,
    BYTES_SENT: 0,
    DURATION: 226,
    'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)': 100,
    'REQ(X-FORWARDED-FOR)': '10.0.35.28',
    'REQ(USER-AGENT)': 'nsq2http',
    'REQ(X-REQUEST-ID)': 'cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2',
    'REQ(:AUTHORITY)': 'locations',
    UPSTREAM_HOST: 'tcp://10.0.2.1:80',
  });
});

test("Envoy's default format: a TCP proxy line, with response flags and no HTTP fields", () => {
  const line = '[2019-08-21T13:57:05.125Z] "- - -" 0 UF,URX 0 0 0 - "-" "-" "-" "-" "127.0.0.1:9200"';
  assert.deepEqual(fields(envoy, envoy.parse(line)), {
    START_TIME: ms('2019-08-21T13:57:05.125Z'),
    'REQ(:METHOD)': null,
    'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': null,
    PROTOCOL: null,
    RESPONSE_CODE: 0,
    RESPONSE_FLAGS: 'UF,URX',
    BYTES_RECEIVED: 0,
    BYTES_SENT: 0,
    DURATION: 0,
    'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)': null,
    'REQ(X-FORWARDED-FOR)': null,
    'REQ(USER-AGENT)': null,
    'REQ(X-REQUEST-ID)': null,
    'REQ(:AUTHORITY)': null,
    UPSTREAM_HOST: '127.0.0.1:9200',
  });
});

test("Istio's default format", () => {
  const line = '[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" ' +
    '"curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" ' +
    'outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default';
  assert.deepEqual(fields(istio, istio.parse(line)), {
    START_TIME: ms('2020-11-25T21:26:18.409Z'),
    'REQ(:METHOD)': 'GET',
    'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': '/status/418',
    PROTOCOL: 'HTTP/1.1',
    RESPONSE_CODE: 418,
    RESPONSE_FLAGS: null,
    RESPONSE_CODE_DETAILS: 'via_upstream',
    CONNECTION_TERMINATION_DETAILS: null,
    UPSTREAM_TRANSPORT_FAILURE_REASON: null,
    BYTES_RECEIVED: 0,
    BYTES_SENT: 135,
    DURATION: 4,
    'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)': 4,
    'REQ(X-FORWARDED-FOR)': null,
    'REQ(USER-AGENT)': 'curl/7.73.0-DEV',
    'REQ(X-REQUEST-ID)': '84961386-6d84-929d-98bd-c5aee93b5c88',
    'REQ(:AUTHORITY)': 'httpbin:8000',
    UPSTREAM_HOST: '10.44.1.27:80',
    UPSTREAM_CLUSTER_RAW: 'outbound|8000||httpbin.foo.svc.cluster.local',
    UPSTREAM_LOCAL_ADDRESS: '10.44.1.23:37652',
    DOWNSTREAM_LOCAL_ADDRESS: '10.0.45.184:8000',
    DOWNSTREAM_REMOTE_ADDRESS: '10.44.1.23:46520',
    REQUESTED_SERVER_NAME: null,
    ROUTE_NAME: 'default',
  });
});

test('IPv6 addresses, a transport failure with spaces, and truncation in a custom format', () => {
  const f = compileFormat({ type: 'text', text: '%DOWNSTREAM_REMOTE_ADDRESS% -> "%UPSTREAM_HOST%" "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %REQ(X-REQUEST-ID):8% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' });
  assert.deepEqual(fields(f, f.parse('[fd00::7]:46520 -> "[fd00::5]:8080" "TLS error: 268435581:SSL routines" 99032619 fd00::7')), {
    DOWNSTREAM_REMOTE_ADDRESS: '[fd00::7]:46520',
    UPSTREAM_HOST: '[fd00::5]:8080',
    UPSTREAM_TRANSPORT_FAILURE_REASON: 'TLS error: 268435581:SSL routines',
    'REQ(X-REQUEST-ID):8': '99032619',
    DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: 'fd00::7',
  });
});

test('a User-Agent holding quotes is read in full when only one split matches', () => {
  const ua = 'Mozilla/5.0 "compatible" (X11; "Linux") -';
  const line = `[2016-04-15T20:17:00.310Z] "GET / HTTP/1.1" 200 - 0 10 3 2 "-" "${ua}" "rid" "host" "10.0.0.1:80"`;
  const f = fields(envoy, envoy.parse(line));
  assert.equal(f['REQ(USER-AGENT)'], ua);
  assert.equal(f['REQ(X-REQUEST-ID)'], 'rid');
  assert.equal(f['REQ(:AUTHORITY)'], 'host');
  // In the seed format a space before a quote would let the unquoted request id take part of the User-Agent; any
  // other quote is fine.
  const quotes = '[2025-12-16T09:45:56.365Z] "GET /test HTTP/1.0" 200 40 0 abc "a"b"c""d (x)"e" "-" 10.0.0.1:80 app_service -';
  assert.equal(fields(seed, seed.parse(quotes))['REQ(USER-AGENT)'], 'a"b"c""d (x)"e');
});

test('when several splits match, agreed fields are kept and the others are ambiguous with their raw texts', () => {
  // envoyproxy/envoy#4191: a client forging fields through the User-Agent of Envoy's default format.
  const line = '[2016-04-15T20:17:00.310Z] "GET / HTTP/1.1" 200 - 0 10 3 2 "-" "curl" "rid" "host" "-" "x" "y" "10.0.0.1:80"';
  const result = envoy.parse(line);
  assert.ok(result.ok);
  const keys = (result.ambiguous ?? []).map((i) => envoy.keys[i]);
  // Any of the four quoted headers may hold the forged quote pairs; the typed fields around them cannot.
  assert.deepEqual(keys, ['REQ(X-FORWARDED-FOR)', 'REQ(USER-AGENT)', 'REQ(X-REQUEST-ID)', 'REQ(:AUTHORITY)']);
  const f = fields(envoy, result);
  assert.equal(f.UPSTREAM_HOST, '10.0.0.1:80');
  assert.equal(f.RESPONSE_CODE, 200);
  assert.equal(f['RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)'], 2);
  for (const k of keys) assert.equal(f[k!], null);
  // X-Forwarded-For is "-" or runs on over a forged quote pair.
  assert.ok(result.alternatives![0]!.includes('-'));
  assert.ok(result.alternatives![0]!.includes('-" "curl'));
  for (const alt of result.alternatives!.flat()) assert.ok(line.includes(alt), alt);
});

test('the seed format: a space-quote in the User-Agent makes X-REQUEST-ID and User-Agent genuinely ambiguous', () => {
  const line = '[2025-12-16T09:45:56.365Z] "GET /test HTTP/1.0" 200 40 0 99032619 "curl/7.81.0 "x" "-" 10.105.148.194:10000 app_service -';
  const result = seed.parse(line);
  assert.ok(result.ok);
  assert.deepEqual((result.ambiguous ?? []).map((i) => seed.keys[i]), ['REQ(X-REQUEST-ID)', 'REQ(USER-AGENT)']);
  assert.deepEqual(result.alternatives, [['99032619', '99032619 "curl/7.81.0'], ['curl/7.81.0 "x', 'x']]);
  const f = fields(seed, result);
  assert.equal(f['REQ(X-FORWARDED-FOR)'], null);
  assert.equal(f.UPSTREAM_HOST, '10.105.148.194:10000');
});

test('a rejected line says why and where', () => {
  const good = '[2025-12-16T09:45:56.365Z] "GET /test HTTP/1.0" 200 40 0 abc "curl" "-" 10.0.0.1:80 app_service -';
  const status = failure(seed.parse(good.replace('200 40', '2OO 40')));
  assert.match(status.reason, /^RESPONSE_CODE: expected a number followed by " ", found "2OO 40/);
  assert.equal(status.column, good.indexOf('200') + 1);
  const host = failure(seed.parse(good.replace('10.0.0.1:80', 'backend:80')));
  assert.match(host.reason, /^UPSTREAM_HOST: expected an address/);
  assert.equal(host.column, good.indexOf('10.0.0.1') + 1);
  const time = failure(seed.parse(good.replace('09:45:56', '09:45:6')));
  assert.match(time.reason, /^START_TIME: expected a time/);
  assert.equal(time.column, 2);
  const prefix = failure(seed.parse(`x${good}`));
  assert.match(prefix.reason, /does not start with "\["/);
  assert.equal(prefix.column, 1);
  assert.equal(failure(seed.parse('')).column, 1);
  const flags = failure(seed.parse(`${good.slice(0, -1)}uf`));
  assert.match(flags.reason, /^RESPONSE_FLAGS: expected response flags/);
  const noSuffix = failure(compileFormat({ type: 'text', text: '%DURATION% ms' }).parse('12 s'));
  assert.match(noSuffix.reason, /does not end with " ms"/);
});

test('hostile lines never throw: NUL, lone surrogates, 1 MB, 10,000 quotes', () => {
  const line = (ua: string) => `[2025-12-16T09:45:56.365Z] "GET /test HTTP/1.0" 200 40 0 abc "${ua}" "-" 10.0.0.1:80 app_service -`;
  const hostile = ['\u0000', '\ud800', '\udc00x\ud800', 'a'.repeat(1 << 20), '"'.repeat(10_000), '" "'.repeat(10_000),
    '" '.repeat(1 << 19), ' '.repeat(1 << 20)];
  for (const ua of hostile) {
    for (const format of [seed, envoy, istio]) {
      const result = format.parse(line(ua));
      assert.ok(result.ok || (result.reason.length > 0 && result.column >= 1), `${ua.slice(0, 8)}… gives a result`);
    }
    const result = seed.parse(line(ua));
    assert.ok(result.ok, `the seed format still reads the line with ${JSON.stringify(ua.slice(0, 8))}…`);
    const f = fields(seed, result);
    assert.equal(f.UPSTREAM_HOST, '10.0.0.1:80');
    assert.equal(f.RESPONSE_CODE, 200);
    if (!result.ambiguous) assert.equal(f['REQ(USER-AGENT)'], ua);
  }
  for (const junk of ['\u0000'.repeat(100), '"'.repeat(10_000), '\ud800'.repeat(50), '%', '[', ']']) {
    assert.equal(seed.parse(junk).ok, false);
  }
});

test('adjacent operators with nothing between them parse (and do not hang, as they once did)', () => {
  const f = compileFormat({ type: 'text', text: '%REQ(A)%%BYTES_SENT%%REQ(B)%' });
  // A line the previous engine looped on forever: the number has nowhere to be.
  assert.match(failure(f.parse('"a')).reason, /BYTES_SENT: expected a number followed by the next field/);
  const r = f.parse('ab12cd');
  assert.ok(r.ok);
  assert.deepEqual(r.ambiguous, [0, 1, 2]); // "ab"+"12"+"cd", "ab1"+"2"+"cd", …
  const unique = compileFormat({ type: 'text', text: '%RESPONSE_CODE%%UPSTREAM_HOST%' }).parse('20010.0.0.1:80');
  assert.ok(unique.ok);
  assert.deepEqual(unique.ambiguous, [0, 1]); // 200|10.0.0.1:80 or 2001|0.0.0.1:80: Envoy's own format is ambiguous
});

test('a format with no operators matches its text only', () => {
  const f = compileFormat({ type: 'text', text: 'constant\n' });
  assert.deepEqual(f.parse('constant'), { ok: true, values: [] });
  assert.equal(f.parse('constant!').ok, false);
});

/**
 * A field that accepts "0 1 2 3" and "1 2" but none of the spans between: a value holding a shorter value inside it.
 * No Envoy operator behaves like this (a fuzz over the real time patterns found none), but the split logic must not
 * depend on that.
 */
function nestingField(): FieldReader {
  const base = fieldReader(tokenizeFormat('%REQ(M):7%')[0] as OperatorToken);
  const ok = (line: string, s: number, e: number) => ['0 1 2 3', '1 2'].includes(line.slice(s, e));
  return { ...base, rule: SpanRule.Bounded, maxLength: 7, accepts: ok, value: (l, s, e) => (ok(l, s, e) ? l.slice(s, e) : NOT_A_VALUE),
    canContain: () => true };
}

test('suspicion 1 refuted: forward and backward greedy splits agreeing does not prove a split unique', () => {
  const text = (op: string) => fieldReader(tokenizeFormat(op)[0] as OperatorToken);
  const parser = new TextLineParser('', [text('%REQ(X)%'), nestingField(), text('%REQ(Z)%')], [' ', ' ', '']);
  const line = 'x 0 1 2 3 z';
  // Forward (first acceptable ends): x | 0 1 2 3 | z. Backward (last acceptable starts): the same split.
  // Yet x 0 | 1 2 | 3 z matches too.
  const result = parser.parse(line);
  assert.ok(result.ok);
  assert.deepEqual(result.ambiguous, [0, 1, 2]);
  assert.deepEqual(result.alternatives!.map((a) => [...a].sort()), [['x', 'x 0'], ['0 1 2 3', '1 2'], ['3 z', 'z']]);
  assert.ok(parser.lastSearchWork > 0, 'the hot path handed the line to the exact search');
});

test('the hot path decides ordinary lines; the exact search only hostile ones', () => {
  const { parser } = textLineParserFor(SEED_FORMAT.replace(/\n$/, ''));
  const line = '[2025-12-16T09:45:56.365Z] "GET /test HTTP/1.0" 200 40 0 abc "curl/7.81.0" "-" 10.0.0.1:80 app_service -';
  assert.ok(parser.parse(line).ok);
  assert.equal(parser.lastSearchWork, 0);
  assert.ok(parser.parse(line.replace('curl/7.81.0', 'curl" "x')).ok);
  assert.ok(parser.lastSearchWork > 0);
});
