import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat, type LineResult } from './compile-format.ts';
import { FormatError } from './format-tokens.ts';

// Istio's JSON encoding (snake_case keys) plus a nested object and a key mixing text with an operator.
const spec = {
  type: 'json' as const,
  json: {
    start_time: '%START_TIME%',
    method: '%REQ(:METHOD)%',
    path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
    response_code: '%RESPONSE_CODE%',
    response_flags: '%RESPONSE_FLAGS%',
    duration: '%DURATION%',
    upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
    upstream_host: '%UPSTREAM_HOST%',
    upstream: { cluster: '%UPSTREAM_CLUSTER%', local: { address: '%UPSTREAM_LOCAL_ADDRESS%' } },
    took: '%DURATION%ms',
    constant: 'no operator here',
    version: 3,
  },
};
const format = compileFormat(spec);

function byKey(result: LineResult): Record<string, unknown> {
  assert.ok(result.ok, JSON.stringify(result));
  return Object.fromEntries(format.keys.map((k, i) => [k, result.values[i]]));
}

test('keys: the operator as written, or the JSON path for a value mixing text and operators', () => {
  assert.deepEqual(format.keys, ['START_TIME', 'REQ(:METHOD)', 'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)', 'RESPONSE_CODE',
    'RESPONSE_FLAGS', 'DURATION', 'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)', 'UPSTREAM_HOST', 'UPSTREAM_CLUSTER',
    'UPSTREAM_LOCAL_ADDRESS', 'took']);
  assert.equal(format.operators[10], undefined); // "took" has no single operator behind it
  assert.equal(format.operators[0]!.name, 'START_TIME');
});

test('typed json_format: numbers stay numbers, headers and times are strings, null is missing; key order is free', () => {
  const line = JSON.stringify({
    upstream: { local: { address: '10.44.1.23:37652' }, cluster: 'outbound|8000||httpbin' },
    duration: 4, response_code: 418, took: '4ms', upstream_service_time: '4', response_flags: null,
    upstream_host: '[fd00::5]:8080', start_time: '2020-11-25T21:26:18.409Z', method: 'GET', path: '/status/418',
    version: 3, extra_key_not_in_format: 'ignored',
  });
  assert.deepEqual(byKey(format.parse(line)), {
    START_TIME: { ms: Date.parse('2020-11-25T21:26:18.409Z') },
    'REQ(:METHOD)': 'GET',
    'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': '/status/418',
    RESPONSE_CODE: 418,
    RESPONSE_FLAGS: null,
    DURATION: 4,
    'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)': 4,
    UPSTREAM_HOST: '[fd00::5]:8080',
    UPSTREAM_CLUSTER: 'outbound|8000||httpbin',
    UPSTREAM_LOCAL_ADDRESS: '10.44.1.23:37652',
    took: '4ms',
  });
});

test('the deprecated untyped json_format: numbers as strings, "-" for missing', () => {
  const line = '{"start_time":"2020-11-25T21:26:18.409Z","method":"-","response_code":"200","duration":"17",' +
    '"response_flags":"UF,URX","upstream_host":"-","upstream":{"cluster":"-"}}';
  const f = byKey(format.parse(line));
  assert.equal(f.RESPONSE_CODE, 200);
  assert.equal(f.DURATION, 17);
  assert.equal(f['REQ(:METHOD)'], null);
  assert.equal(f.RESPONSE_FLAGS, 'UF,URX');
  assert.equal(f.UPSTREAM_HOST, null);
  assert.equal(f.UPSTREAM_CLUSTER, null);
});

test('missing keys (omit_empty_values) and missing objects are null', () => {
  const f = byKey(format.parse('{"method":"GET"}'));
  assert.equal(f['REQ(:METHOD)'], 'GET');
  for (const k of format.keys.filter((k) => k !== 'REQ(:METHOD)')) assert.equal(f[k], null, k);
  // A nested path through something that is not an object is missing, not an error.
  assert.equal(byKey(format.parse('{"upstream":"flat"}')).UPSTREAM_CLUSTER, null);
  assert.equal(byKey(format.parse('{"upstream":["a"]}')).UPSTREAM_CLUSTER, null);
});

test('structured values of text operators are kept as JSON text', () => {
  const meta = compileFormat({ type: 'json', json: { m: '%DYNAMIC_METADATA(envoy.filters.http.rbac)%' } });
  const r = meta.parse('{"m":{"shadow_engine_result":"denied","n":[1,2]}}');
  assert.ok(r.ok);
  assert.equal(r.values[0], '{"shadow_engine_result":"denied","n":[1,2]}');
});

test('a typed field holding the wrong type rejects the line, at that key', () => {
  const line = '{"method":"GET","response_code":"teapot"}';
  const r = format.parse(line);
  assert.ok(!r.ok);
  assert.match(r.reason, /RESPONSE_CODE: expected a number, found "teapot"/);
  assert.equal(r.column, line.indexOf('"response_code"') + 1);
  assert.equal(format.parse('{"upstream_host":"backend:80"}').ok, false);
  assert.equal(format.parse('{"start_time":"yesterday"}').ok, false);
});

test('invalid JSON and non-object lines are rejected with the column where they go wrong', () => {
  const cases: [string, number][] = [
    ['{"method":}', 11],
    ['{"method":"GET"', 16],
    ['{"method" "GET"}', 11],
    ['{"method":"GET"} trailing', 18],
    ['{"a":[1,2,}', 11],
    ['{"a":"bad \\q escape"}', 6], // at the string that holds the bad escape
    ['nope', 1],
    ['', 1],
    ['{"a":tru}', 6],
    ['[' .repeat(100_000), 1], // too deep to locate: rejected all the same
  ];
  for (const [line, column] of cases) {
    const r = format.parse(line);
    assert.ok(!r.ok, line.slice(0, 30));
    assert.match(r.reason, /^not JSON/, line.slice(0, 30));
    assert.equal(r.column, column, line.slice(0, 30));
  }
  for (const line of ['[1,2]', '"text"', '42', 'null']) {
    assert.deepEqual(format.parse(line), { ok: false, reason: 'not a JSON object', column: 1 }, line);
  }
});

test('json_format errors name the key; a format without operators is refused', () => {
  assert.throws(() => compileFormat({ type: 'json', json: { a: { b: '%NOPE%' } } }), (err: unknown) => {
    assert.ok(err instanceof FormatError);
    assert.match(err.reason, /json_format key a\.b: unknown command operator %NOPE%/);
    return true;
  });
  assert.throws(() => compileFormat({ type: 'json', json: { a: 'constant', b: 1 } }), /json_format holds no command operator/);
});

test('the same operator under two keys: the second is keyed by its path', () => {
  const f = compileFormat({ type: 'json', json: { code: '%RESPONSE_CODE%', status: { code: '%RESPONSE_CODE%' } } });
  assert.deepEqual(f.keys, ['RESPONSE_CODE', 'status.code']);
  const r = f.parse('{"code":200,"status":{"code":201}}');
  assert.ok(r.ok);
  assert.deepEqual(r.values, [200, 201]);
});
