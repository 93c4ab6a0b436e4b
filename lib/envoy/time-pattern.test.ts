import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instant } from './instant.ts';
import { compileTimePattern, daysFromCivil, DEFAULT_LOCAL_TIME_PATTERN, DEFAULT_TIME_PATTERN, TimePatternError } from './time-pattern.ts';

const parse = (pattern: string, text: string): Instant | null => compileTimePattern(pattern).parseAt(text, 0, text.length);
const at = (iso: string) => Date.parse(iso);

test('Envoy default START_TIME: UTC with milliseconds', () => {
  assert.deepEqual(parse(DEFAULT_TIME_PATTERN, '2016-04-15T20:17:00.310Z'), { ms: at('2016-04-15T20:17:00.310Z') });
  assert.deepEqual(parse(DEFAULT_TIME_PATTERN, '2025-12-16T09:45:56.365Z'), { ms: 1765878356365 });
  // Read inside a longer line, by position.
  const line = '[2025-12-16T10:05:57.453Z] "GET';
  assert.deepEqual(compileTimePattern(DEFAULT_TIME_PATTERN).parseAt(line, 1, 25), { ms: at('2025-12-16T10:05:57.453Z') });
});

test('default START_TIME refuses what is not a real time', () => {
  for (const bad of ['2016-02-30T00:00:00.000Z', '2015-02-29T00:00:00.000Z', '2016-13-01T00:00:00.000Z',
    '2016-04-15T24:00:00.000Z', '2016-04-15T20:60:00.000Z', '2016-04-15T20:17:61.000Z', '2016-04-15 20:17:00.310Z',
    '2016-04-15T20:17:00.310', '2016-04-15T20:17:00,310Z', '2016-04-15T20:17:0a.310Z', 'x016-04-15T20:17:00.310Z', '-']) {
    assert.equal(parse(DEFAULT_TIME_PATTERN, bad), null, bad);
  }
  assert.deepEqual(parse(DEFAULT_TIME_PATTERN, '2016-02-29T23:59:59.999Z'), { ms: at('2016-02-29T23:59:59.999Z') });
});

test('leap second :60 is read as the first second of the next minute, in both readers', () => {
  const next = at('2017-01-01T00:00:00.250Z');
  assert.deepEqual(parse(DEFAULT_TIME_PATTERN, '2016-12-31T23:59:60.250Z'), { ms: next });
  assert.deepEqual(parse('%Y-%m-%dT%H:%M:%S', '2016-12-31T23:59:60'), { ms: at('2017-01-01T00:00:00Z') });
  // A leap second does not make an invalid date valid.
  assert.equal(parse(DEFAULT_TIME_PATTERN, '2016-02-30T23:59:60.000Z'), null);
  assert.equal(parse('%Y-%m-%d %H:%M:%S', '2016-02-30 23:59:60'), null);
});

test('the cached minute stays right across interleaved minutes, formats and invalid lines', () => {
  const def = compileTimePattern(DEFAULT_TIME_PATTERN);
  const custom = compileTimePattern('%Y-%m-%dT%H:%M:%S.%3fZ '); // not the default text: the generic reader
  const texts = ['2025-12-16T09:45:56.365Z', '2025-12-16T09:46:01.000Z', '2025-12-16T09:45:59.999Z', '1999-01-01T00:00:00.000Z',
    '2025-12-16T09:45:00.001Z', '2016-02-30T09:45:00.000Z', '2025-12-16T09:45:56.365Z', '2025-12-17T09:45:56.365Z'];
  for (let round = 0; round < 3; round++) {
    for (const text of texts) {
      const want = Number.isNaN(at(text)) || text.startsWith('2016-02-30') ? null : { ms: at(text) };
      assert.deepEqual(def.parseAt(text, 0, text.length), want, text);
      assert.deepEqual(custom.parseAt(`${text} `, 0, text.length + 1), want, `${text} (generic)`);
    }
  }
  // An invalid minute is never cached as valid: the same minute text stays refused.
  assert.equal(def.parseAt('2016-02-30T09:45:00.000Z', 0, 24), null);
  assert.equal(def.parseAt('2016-02-30T09:45:00.000Z', 0, 24), null);
});

test('strftime with milliseconds, epoch seconds and fractions', () => {
  const ms = at('2018-05-29T10:43:10.528Z');
  assert.deepEqual(parse('%Y-%m-%dT%H:%M:%S.%3fZ', '2018-05-29T10:43:10.528Z'), { ms });
  assert.deepEqual(parse('%s', '1527590590'), { ms: 1527590590_000 });
  assert.deepEqual(parse('%s.%3f', '1527590590.528'), { ms: 1527590590_528 });
  // µs and ns are kept beyond the millisecond.
  assert.deepEqual(parse('%s.%6f', '1527590590.528123'), { ms: 1527590590_528, subMsNanos: 123_000 });
  assert.deepEqual(parse('%s.%9f', '1527590590.528123456'), { ms: 1527590590_528, subMsNanos: 123_456 });
  assert.deepEqual(parse('%s.%f', '1527590590.000000001'), { ms: 1527590590_000, subMsNanos: 1 });
  assert.deepEqual(parse('%s.%1f', '1527590590.5'), { ms: 1527590590_500 });
  assert.deepEqual(parse('%s.%2f', '1527590590.05'), { ms: 1527590590_050 });
  assert.deepEqual(parse('%s.%4f', '1527590590.0001'), { ms: 1527590590_000, subMsNanos: 100_000 });
  assert.deepEqual(parse('%s.%7f', '1527590590.1234567'), { ms: 1527590590_123, subMsNanos: 456_700 });
  assert.deepEqual(parse('%s.%8f', '1527590590.12345678'), { ms: 1527590590_123, subMsNanos: 456_780 });
  // The fraction digits must be exactly as many as the pattern says.
  assert.equal(parse('%s.%3f', '1527590590.52'), null);
  assert.equal(parse('%s.%3f', '1527590590.5280'), null);
});

test('the documented %Y/%m/%dT%H:%M:%S%z %s form: offset applied, epoch wins', () => {
  const want = { ms: at('2018-05-29T10:43:10Z') };
  assert.deepEqual(parse('%Y/%m/%dT%H:%M:%S%z %s', '2018/05/29T10:43:10+0000 1527590590'), want);
  assert.deepEqual(parse('%Y/%m/%dT%H:%M:%S%z', '2018/05/29T12:43:10+0200'), want);
  assert.deepEqual(parse('%Y/%m/%dT%H:%M:%S%z', '2018/05/29T05:13:10-0530'), want);
  assert.deepEqual(parse('%Y/%m/%dT%H:%M:%S%Ez', '2018/05/29T12:43:10+02:00'), want);
});

test('other strftime pieces: %F %T, names, 12-hour clock, day of year, absl %E3S and %E*S', () => {
  const want = { ms: at('2024-03-05T14:07:09Z') };
  assert.deepEqual(parse('%F %T', '2024-03-05 14:07:09'), want);
  assert.deepEqual(parse('%d/%b/%Y:%H:%M:%S', '05/Mar/2024:14:07:09'), want);
  assert.deepEqual(parse('%A %d %B %Y %I:%M:%S %p', 'Tuesday 05 March 2024 02:07:09 PM'), want);
  assert.deepEqual(parse('%a %b %e %H:%M:%S %Y', 'Tue Mar  5 14:07:09 2024'), want);
  assert.deepEqual(parse('%Y-%j %H:%M:%S', '2024-065 14:07:09'), want);
  assert.deepEqual(parse('%y%m%d %H%M%S', '240305 140709'), want);
  assert.deepEqual(parse('%Y-%m-%dT%H:%M:%E3SZ', '2024-03-05T14:07:09.250Z'), { ms: want.ms + 250 });
  assert.deepEqual(parse('%Y-%m-%dT%H:%M:%E*S', '2024-03-05T14:07:09.123456'), { ms: want.ms + 123, subMsNanos: 456_000 });
  assert.deepEqual(parse('%Y-%m-%dT%H:%M:%E*S', '2024-03-05T14:07:09'), want);
  assert.equal(parse('%d/%b/%Y', '05/Xyz/2024'), null);
  assert.equal(parse('%Y-%j', '2023-366'), null); // 2023 has 365 days
});

test('_LOCAL default carries its offset', () => {
  assert.deepEqual(parse(DEFAULT_LOCAL_TIME_PATTERN, '2016-04-15T22:17:00.310+0200'), { ms: at('2016-04-15T20:17:00.310Z') });
});

test('a pattern is matched as a whole, also when a greedy match would stop elsewhere', () => {
  // %Y takes 4 or 5 digits: "20240305" must still read as 2024-03-05.
  assert.deepEqual(parse('%Y%m%d', '20240305'), { ms: at('2024-03-05T00:00:00Z') });
  assert.equal(parse('%Y%m%d', '2024030'), null);
  assert.equal(parse('%H:%M', '14:07 '), null);
});

test('years below 100 are not shifted into the 1900s', () => {
  const year99 = new Date(0);
  year99.setUTCFullYear(99, 0, 1); // Date.UTC(99, …) would mean 1999
  assert.deepEqual(parse('%Y-%m-%d', '0099-01-01'), { ms: year99.getTime() });
  assert.equal(daysFromCivil(1970, 1, 1), 0);
  assert.equal(daysFromCivil(2000, 3, 1) * 864e5, Date.UTC(2000, 2, 1));
  assert.equal(daysFromCivil(1969, 12, 31), -1);
});

test('patterns Envoy refuses, or that cannot be read back, are errors', () => {
  assert.throws(() => compileTimePattern('%Y%n'), TimePatternError);
  assert.throws(() => compileTimePattern('%Y %'), /lone %/);
  assert.throws(() => compileTimePattern('%Q'), /unsupported time specifier %Q/);
});

test('canContain covers every character of a time the pattern accepts', () => {
  const def = compileTimePattern(DEFAULT_TIME_PATTERN);
  for (const c of '2016-04-15T20:17:00.310Z') assert.ok(def.canContain(c.charCodeAt(0)), c);
  for (const c of ' "]') assert.equal(def.canContain(c.charCodeAt(0)), false, c);
  const spaced = compileTimePattern('%a %b %e %H:%M:%S %Y');
  for (const c of 'Tue Mar  5 14:07:09 2024') assert.ok(spaced.canContain(c.charCodeAt(0)), c);
  assert.equal(spaced.canContain('"'.charCodeAt(0)), false);
  const frac = compileTimePattern('%H:%M:%E*S');
  assert.ok(frac.canContain('.'.charCodeAt(0)));
});

test('the minute cache answers only for the exact minute text it holds', () => {
  const def = compileTimePattern(DEFAULT_TIME_PATTERN);
  assert.deepEqual(def.parseAt('1970-01-01T00:00:01.000Z', 0, 24), { ms: 1000 });
  for (const junk of ['\u0000'.repeat(16) + ':00.000Z', '1970-01-01T00:0x:00.000Z', '1970-01-01 00:00:00.000Z']) {
    assert.equal(def.parseAt(junk, 0, junk.length), null, JSON.stringify(junk));
  }
});
