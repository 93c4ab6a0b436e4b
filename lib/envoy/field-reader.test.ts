import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldReader, NOT_A_VALUE, SpanRule, type FieldReader } from './field-reader.ts';
import { tokenizeFormat, type OperatorToken } from './format-tokens.ts';

function readerFor(operator: string): FieldReader {
  return fieldReader(tokenizeFormat(operator)[0] as OperatorToken);
}

/** Checks `text` as a whole value, in the middle of a line, and returns its typed value (or NOT_A_VALUE). */
function valueOf(r: FieldReader, text: string): unknown {
  const line = `<<${text}>>`;
  const accepted = r.accepts(line, 2, 2 + text.length);
  const value = r.value(line, 2, 2 + text.length);
  assert.equal(accepted, value !== NOT_A_VALUE, `accepts and value agree on ${JSON.stringify(text)}`);
  if (accepted) assert.deepEqual(r.read(line, 2, 2 + text.length), value, `read and value agree on ${JSON.stringify(text)}`);
  return value;
}

test('unsigned integers: digits to numbers, - to null, nothing else', () => {
  const r = readerFor('%BYTES_SENT%');
  assert.equal(valueOf(r, '0'), 0);
  assert.equal(valueOf(r, '4019'), 4019);
  assert.equal(valueOf(r, '18446744073709551615'), 18446744073709551615);
  assert.equal(valueOf(r, '-'), null);
  for (const bad of ['', '-1', '1.5', ' 1', '1 ', '12a', '0x10', '184467440737095516150']) assert.equal(valueOf(r, bad), NOT_A_VALUE, bad);
  assert.equal(r.rule, SpanRule.Bounded);
});

test('durations, ports, GRPC_STATUS(NUMBER), and the upstream service time header are numbers', () => {
  assert.equal(valueOf(readerFor('%DURATION%'), '226'), 226);
  assert.equal(valueOf(readerFor('%RESPONSE_DURATION%'), '-'), null);
  assert.equal(valueOf(readerFor('%DOWNSTREAM_REMOTE_PORT%'), '46520'), 46520);
  assert.equal(valueOf(readerFor('%DOWNSTREAM_REMOTE_PORT%'), '465200'), NOT_A_VALUE);
  assert.equal(valueOf(readerFor('%GRPC_STATUS(NUMBER)%'), '14'), 14);
  assert.equal(valueOf(readerFor('%GRPC_STATUS%'), 'Unavailable'), 'Unavailable');
  assert.equal(valueOf(readerFor('%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%'), '100'), 100);
  assert.equal(valueOf(readerFor('%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%'), '-'), null);
  assert.equal(valueOf(readerFor('%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%'), 'fast'), NOT_A_VALUE);
});

test('COMMON_DURATION may be negative (half-closed streams), other durations may not', () => {
  const common = readerFor('%COMMON_DURATION(US_RX_END:DS_TX_END:us)%');
  assert.equal(valueOf(common, '1500'), 1500);
  assert.equal(valueOf(common, '-12'), -12);
  assert.equal(valueOf(common, '-'), null);
  assert.equal(valueOf(readerFor('%DURATION%'), '-12'), NOT_A_VALUE);
});

test('time operators read their own pattern into an instant', () => {
  assert.deepEqual(valueOf(readerFor('%START_TIME%'), '2016-04-15T20:17:00.310Z'), { ms: Date.parse('2016-04-15T20:17:00.310Z') });
  assert.deepEqual(valueOf(readerFor('%START_TIME(%s.%6f)%'), '1527590590.528123'), { ms: 1527590590528, subMsNanos: 123000 });
  assert.deepEqual(valueOf(readerFor('%START_TIME_LOCAL%'), '2016-04-15T22:17:00.310+0200'), { ms: Date.parse('2016-04-15T20:17:00.310Z') });
  assert.equal(valueOf(readerFor('%START_TIME%'), '-'), null);
  assert.equal(valueOf(readerFor('%START_TIME%'), '2016-04-15T20:17:00Z'), NOT_A_VALUE);
  assert.equal(readerFor('%START_TIME%').maxLength, 24);
});

test('addresses: IPv4 and IPv6 with port, socket paths, internal addresses, -', () => {
  const r = readerFor('%UPSTREAM_HOST%');
  for (const good of ['10.244.0.81:10000', '127.0.0.1:9200', 'tcp://10.0.2.1:80', '[::1]:80', '[fd00::5]:8080',
    '[2001:db8::1:2:3:4]:443', '[::ffff:10.0.0.1]:80', '[fe80::1%eth0]:8080', '/var/run/envoy.sock', '@abstract',
    'envoy://internal_listener/endpoint-1']) {
    assert.equal(valueOf(r, good), good, good);
  }
  assert.equal(valueOf(r, '-'), null);
  for (const bad of ['10.244.0.81', '10.244.0.81:', '10.244.0.81:100000', '256.1.1.1:80', '1.2.3:80', '1.2.3.4.5:80', '[fd00::5]',
    'fd00::5:8080', '[fd00:5]:80', 'host:80', '10.0.0.1:80 ', ' 10.0.0.1:80', '/tmp/a b', '/tmp/a"b', '', '[fd00::5]:']) {
    assert.equal(valueOf(r, bad), NOT_A_VALUE, bad);
  }
});

test('addresses without port, optionally masked, and ports', () => {
  const r = readerFor('%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%');
  for (const good of ['10.1.10.23', 'fd00::5', '2001:db8:1234:5678::', '10.1.0.0/16', '2001:db8:1234:5678::/64', '/tmp/s']) {
    assert.equal(valueOf(r, good), good, good);
  }
  for (const bad of ['10.1.10.23:80', '10.1.0.0/129', '10.1.0.0/', 'x']) assert.equal(valueOf(r, bad), NOT_A_VALUE, bad);
});

test('response flags: short codes joined by commas, or -', () => {
  const r = readerFor('%RESPONSE_FLAGS%');
  assert.equal(valueOf(r, 'UF,URX'), 'UF,URX');
  assert.equal(valueOf(r, 'UT,UR,URX'), 'UT,UR,URX');
  assert.equal(valueOf(r, 'UAEX'), 'UAEX');
  assert.equal(valueOf(r, '-'), null);
  for (const bad of ['UF,', ',UF', 'UF,,URX', 'uf', 'UF URX', 'UF-URX', '']) assert.equal(valueOf(r, bad), NOT_A_VALUE, bad);
});

test('protocols', () => {
  const r = readerFor('%PROTOCOL%');
  for (const good of ['HTTP/1.0', 'HTTP/1.1', 'HTTP/2', 'HTTP/3']) assert.equal(valueOf(r, good), good);
  assert.equal(valueOf(r, '-'), null);
  for (const bad of ['HTTP/', 'HTTP/1.', 'http/1.1', 'HTTP/11', 'HTTP/1.1 ']) assert.equal(valueOf(r, bad), NOT_A_VALUE, bad);
});

test('tokens: no blanks, may be empty; text: anything; both turn - into null', () => {
  const token = readerFor('%UPSTREAM_CLUSTER%');
  assert.equal(valueOf(token, 'outbound|8000||httpbin.foo.svc.cluster.local'), 'outbound|8000||httpbin.foo.svc.cluster.local');
  assert.equal(valueOf(token, ''), '');
  assert.equal(valueOf(token, '-'), null);
  assert.equal(valueOf(token, 'a b'), NOT_A_VALUE);
  assert.equal(valueOf(token, 'a\tb'), NOT_A_VALUE);
  assert.equal(token.rule, SpanRule.NoWhitespace);
  const text = readerFor('%REQ(USER-AGENT)%');
  assert.equal(valueOf(text, 'Mozilla/5.0 (X11; Linux) "quoted" - x'), 'Mozilla/5.0 (X11; Linux) "quoted" - x');
  assert.equal(valueOf(text, ''), ''); // a header present but empty
  assert.equal(valueOf(text, '-'), null); // missing (or literally "-": Envoy prints both alike)
  assert.equal(text.rule, SpanRule.Any);
});

test('RESPONSE_CODE_DETAILS is a token unless ALLOW_WHITESPACES', () => {
  assert.equal(valueOf(readerFor('%RESPONSE_CODE_DETAILS%'), 'upstream_reset_before_response_started{connection_failure}'),
    'upstream_reset_before_response_started{connection_failure}');
  assert.equal(valueOf(readerFor('%RESPONSE_CODE_DETAILS%'), 'via upstream'), NOT_A_VALUE);
  assert.equal(valueOf(readerFor('%RESPONSE_CODE_DETAILS(ALLOW_WHITESPACES)%'), 'via upstream'), 'via upstream');
});

test(':N truncation bounds a header to N characters', () => {
  const r = readerFor('%REQ(X-REQUEST-ID):8%');
  assert.equal(r.rule, SpanRule.Bounded);
  assert.equal(r.maxLength, 8);
  assert.equal(valueOf(r, '99032619'), '99032619');
  assert.equal(valueOf(r, '99 "x" 1'), '99 "x" 1');
  assert.equal(valueOf(r, '99032619-'), NOT_A_VALUE);
  assert.equal(valueOf(readerFor('%REQ(A?B):1%'), '-'), null);
});

test('JSON values: typed numbers, numeric strings of the untyped format, null and - for missing', () => {
  const n = readerFor('%DURATION%');
  assert.equal(n.readJson(12), 12);
  assert.equal(n.readJson('12'), 12);
  assert.equal(n.readJson(null), null);
  assert.equal(n.readJson('-'), null);
  assert.equal(n.readJson('12ms'), null);
  assert.equal(n.readJson(Number.NaN), null);
  const t = readerFor('%START_TIME%');
  assert.deepEqual(t.readJson('2016-04-15T20:17:00.310Z'), { ms: Date.parse('2016-04-15T20:17:00.310Z') });
  assert.equal(t.readJson(1460751420310), null);
  const text = readerFor('%DYNAMIC_METADATA(ns)%');
  assert.equal(text.readJson('x'), 'x');
  assert.equal(text.readJson({ a: [1, 'b'] }), '{"a":[1,"b"]}');
  assert.equal(text.readJson(true), 'true');
  assert.equal(readerFor('%UPSTREAM_HOST%').readJson('[fd00::5]:8080'), '[fd00::5]:8080');
  assert.equal(readerFor('%UPSTREAM_HOST%').readJson('nope'), null);
});

test('canContain is true for every character of every value a reader accepts', () => {
  // The parser's shortcuts rely on this: a field that cannot contain a literal's character cannot reach past it.
  const samples: Record<string, string[]> = {
    '%BYTES_SENT%': ['0', '4019', '-'],
    '%COMMON_DURATION(A:B)%': ['-12', '7'],
    '%START_TIME%': ['2016-04-15T20:17:00.310Z', '-'],
    '%START_TIME(%b %e %H)%': ['Mar  5 14', 'Dec 31 23'],
    '%UPSTREAM_HOST%': ['10.244.0.81:10000', '[fe80::1%eth0]:8080', 'tcp://10.0.2.1:80', '/tmp/s', 'envoy://l/e-1', '-'],
    '%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%': ['2001:db8::/64', '10.0.0.1'],
    '%RESPONSE_FLAGS%': ['UF,URX', '-'],
    '%PROTOCOL%': ['HTTP/1.1', 'HTTP/2', '-'],
    '%UPSTREAM_CLUSTER%': ['outbound|8000||httpbin', 'a"b', ''],
  };
  for (const [op, values] of Object.entries(samples)) {
    const r = readerFor(op);
    for (const v of values) {
      assert.notEqual(valueOf(r, v), NOT_A_VALUE, `${op} accepts ${v}`);
      for (const c of v) assert.ok(r.canContain(c.charCodeAt(0)), `${op} canContain ${JSON.stringify(c)} of ${v}`);
    }
  }
  assert.equal(readerFor('%UPSTREAM_HOST%').canContain(' '.charCodeAt(0)), false);
  assert.equal(readerFor('%UPSTREAM_HOST%').canContain('"'.charCodeAt(0)), false);
  assert.equal(readerFor('%BYTES_SENT%').canContain(' '.charCodeAt(0)), false);
  assert.equal(readerFor('%UPSTREAM_CLUSTER%').canContain('\t'.charCodeAt(0)), false);
  assert.equal(readerFor('%REQ(A)%').canContain('"'.charCodeAt(0)), true);
});
