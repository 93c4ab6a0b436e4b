import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError, tokenizeFormat, type OperatorToken } from './format-tokens.ts';

function formatError(format: string): FormatError {
  try {
    tokenizeFormat(format);
  } catch (err) {
    assert.ok(err instanceof FormatError, `expected a FormatError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${JSON.stringify(format)} should be refused`);
}

const operators = (format: string) => tokenizeFormat(format).filter((t): t is OperatorToken => t.type === 'operator');

test('literals and operators alternate, with each operator keyed as written', () => {
  const tokens = tokenizeFormat('[%START_TIME%] "%REQ(X-REQUEST-ID):36%" %RESPONSE_CODE%\n');
  assert.deepEqual(tokens.map((t) => (t.type === 'literal' ? `L:${t.text}` : `O:${t.key}`)), [
    'L:[', 'O:START_TIME', 'L:] "', 'O:REQ(X-REQUEST-ID):36', 'L:" ', 'O:RESPONSE_CODE', 'L:\n',
  ]);
  const req = operators('%REQ(X-REQUEST-ID):36%')[0]!;
  assert.equal(req.name, 'REQ');
  assert.equal(req.arg, 'X-REQUEST-ID');
  assert.equal(req.maxLength, 36);
  assert.equal(req.column, 1);
});

test('%% is a literal percent sign, also next to operators', () => {
  const tokens = tokenizeFormat('100%% %DURATION%%%');
  assert.deepEqual(tokens.map((t) => (t.type === 'literal' ? t.text : `${t.key}@${t.column}`)), ['100% ', 'DURATION@7', '%']);
});

test('an unknown operator is an error naming it and its 1-based column', () => {
  const err = formatError('[%START_TIME%] %NOT_AN_OPERATOR% %DURATION%');
  assert.equal(err.column, 16);
  assert.match(err.reason, /unknown command operator %NOT_AN_OPERATOR%/);
  assert.match(err.message, /column 16/);
});

test('a stray argument, a missing argument and an empty argument are refused', () => {
  assert.match(formatError('%DURATION(ms)%').reason, /takes no argument/);
  assert.match(formatError('x %REQ%').reason, /needs an argument/);
  assert.equal(formatError('x %REQ%').column, 3);
  assert.match(formatError('%REQ()%').reason, /needs an argument/);
  assert.match(formatError('%COMMON_DURATION%').reason, /needs an argument/);
});

test(':N truncation is refused where Envoy refuses it and kept where it is allowed', () => {
  assert.match(formatError('%RESPONSE_CODE:3%').reason, /does not accept a :N length/);
  assert.match(formatError('%START_TIME(%s):5%').reason, /does not accept a :N length/);
  for (const ok of ['%REQ(A):5%', '%RESP(A):5%', '%TRAILER(A):5%', '%DYNAMIC_METADATA(ns:key):5%', '%FILTER_STATE(k:PLAIN):5%',
    '%ENVIRONMENT(HOME):5%', '%REQUEST_HEADER(A):5%']) {
    assert.equal(operators(ok)[0]!.maxLength, 5, ok);
  }
});

test('header operators take one alternative after ?, never two, never an empty name', () => {
  assert.equal(operators('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%')[0]!.arg, 'X-ENVOY-ORIGINAL-PATH?:PATH');
  assert.match(formatError('%REQ(A?B?C)%').reason, /more than one "\?"/);
  assert.match(formatError('%RESP(A?)%').reason, /empty header/);
  assert.match(formatError('%TRAILER(?B)%').reason, /empty header/);
});

test('malformed operators are errors with the column of their %', () => {
  for (const [format, column] of [['ab %REQ(X%', 4], ['%', 1], ['x %lower%', 3], ['%REQ(A):x%', 1], ['a %%% b', 5]] as const) {
    const err = formatError(format);
    assert.equal(err.column, column, format);
    assert.match(err.reason, /not a valid command operator/, format);
  }
});

test('operator arguments are checked where Envoy checks them', () => {
  assert.match(formatError('%GRPC_STATUS(LOUD)%').reason, /CAMEL_STRING, SNAKE_STRING or NUMBER/);
  assert.match(formatError('%COMMON_DURATION(DS_RX_BEG)%').reason, /START:END/);
  assert.match(formatError('%COMMON_DURATION(DS_RX_BEG:DS_TX_END:s)%').reason, /START:END/);
  assert.equal(operators('%COMMON_DURATION(DS_RX_BEG:DS_TX_END:us)%')[0]!.kind, 'duration');
  assert.match(formatError('%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(200)%').reason, /mask prefix length/);
  assert.equal(operators('%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(16)%')[0]!.arg, '16');
});

test('an empty optional argument means no argument (Envoy: %START_TIME()% is %START_TIME%)', () => {
  const t = operators('%START_TIME()%')[0]!;
  assert.equal(t.arg, undefined);
  assert.equal(t.key, 'START_TIME()');
});
