// The parser must stay linear on hostile lines. Measured without clocks: every call into a field reader and every
// character it is asked to look at is counted, plus the exact search's own work counter; ten times the input must
// cost about ten times the work, not a hundred.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENVOY_DEFAULT_FORMAT, ISTIO_DEFAULT_FORMAT, SEED_FORMAT } from './default-formats.ts';
import { textLineParserFor } from './compile-format.ts';
import type { FieldReader } from './field-reader.ts';
import type { TextLineParser, TextParseResult } from './text-line-parser.ts';

interface Counted {
  parser: TextLineParser;
  work(): number;
}

function counted(format: string): Counted {
  let units = 0;
  const wrap = (r: FieldReader): FieldReader => ({
    ...r,
    accepts: (line, s, e) => ((units += 1 + Math.max(0, e - s)), r.accepts(line, s, e)),
    value: (line, s, e) => ((units += 1 + Math.max(0, e - s)), r.value(line, s, e)),
    read: (line, s, e) => ((units += 1 + Math.max(0, e - s)), r.read(line, s, e)),
  });
  const { parser } = textLineParserFor(format.replace(/\n$/, ''), wrap);
  return {
    parser,
    work: () => {
      const total = units + parser.lastSearchWork;
      units = 0;
      return total;
    },
  };
}

const lines: Record<string, (ua: string) => string> = {
  seed: (ua) => `[2025-12-16T09:45:56.365Z] "GET /test HTTP/1.0" 200 40 0 99032619 "${ua}" "-" 10.105.148.194:10000 app_service -`,
  envoy: (ua) => `[2016-04-15T20:17:00.310Z] "POST /api HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "${ua}" "rid" "locations" "10.0.2.1:80"`,
  istio: (ua) => `[2020-11-25T21:26:18.409Z] "GET /s HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "${ua}" "rid" "httpbin:8000" ` +
    '"10.44.1.27:80" outbound|8000||httpbin 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default',
};
const formats: Record<string, string> = { seed: SEED_FORMAT, envoy: ENVOY_DEFAULT_FORMAT, istio: ISTIO_DEFAULT_FORMAT };

/** User-Agents that make the literals of these formats occur everywhere. */
const hostileAgents: Record<string, (k: number) => string> = {
  'quote-space-quote': (k) => 'x" "'.repeat(k) + 'y',
  'forged address fields': (k) => '" "10.0.0.1:80" '.repeat(k) + 'z',
  'quote-space': (k) => '" '.repeat(k),
  'space-quote': (k) => ' "'.repeat(k),
};

function run(c: Counted, line: string): { result: TextParseResult; work: number } {
  const result = c.parser.parse(line);
  return { result, work: c.work() };
}

for (const [name, format] of Object.entries(formats)) {
  test(`linear work on hostile User-Agents: ${name} format`, () => {
    const c = counted(format);
    for (const [agent, make] of Object.entries(hostileAgents)) {
      const small = run(c, lines[name]!(make(10_000)));
      const large = run(c, lines[name]!(make(100_000)));
      for (const { result } of [small, large]) {
        assert.ok(result.ok || result.reason.length > 0, `${agent}: a result`);
      }
      // Every hostile line here still parses, with its typed fields kept.
      assert.ok(small.result.ok && large.result.ok, `${agent}: parsed (${JSON.stringify(small.result).slice(0, 200)})`);
      const ratio = large.work / small.work;
      assert.ok(ratio > 5 && ratio < 20, `${agent}: work ${small.work} → ${large.work} (×${ratio.toFixed(1)}) for ×10 input`);
      // And the work per character stays small in absolute terms too.
      const length = lines[name]!(make(100_000)).length;
      assert.ok(large.work < 64 * length, `${agent}: ${large.work} units for ${length} characters`);
    }
  });
}

test('a 1 MB line of ordinary text costs one pass, not a search', () => {
  const c = counted(SEED_FORMAT);
  const { result, work } = run(c, lines.seed!('a'.repeat(1 << 20)));
  assert.ok(result.ok);
  assert.equal(c.parser.lastSearchWork, 0);
  assert.ok(work < 1000, `readers saw ${work} units (the long value is never re-read by a reader)`);
});

test('the 10,000 quote pairs of the task: seed line parses, ambiguous where the format cannot tell', () => {
  const c = counted(SEED_FORMAT);
  const { result } = run(c, lines.seed!('Mozilla" "'.repeat(10_000)));
  assert.ok(result.ok);
  assert.equal(result.values[4], 200);
  assert.equal(result.values[10], '10.105.148.194:10000');
  assert.ok(result.ambiguous!.includes(8), 'the User-Agent is ambiguous');
});
