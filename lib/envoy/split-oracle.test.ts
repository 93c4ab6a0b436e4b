// Property test of the text parser's split logic against a brute-force oracle: the oracle enumerates every split of a
// line recursively (every position where each literal occurs, each field checked by its reader), and the parser must
// agree on whether the line parses, which fields are settled and their values, and which are ambiguous.
// Field validation itself (what a uint or an address accepts) is tested in field-reader.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat } from './compile-format.ts';
import { ENVOY_DEFAULT_FORMAT, ISTIO_DEFAULT_FORMAT, SEED_FORMAT } from './default-formats.ts';
import { fieldReader, type FieldReader, type FieldValue } from './field-reader.ts';
import { textLayout, tokenizeFormat, type OperatorToken } from './format-tokens.ts';
import { TextLineParser, type TextParseResult } from './text-line-parser.ts';
import { seededRandom } from '../sample/seeded-random.ts';

interface Layout {
  prefix: string;
  fields: FieldReader[];
  after: string[];
}

function layoutOf(format: string): Layout {
  const { prefix, operators, after } = textLayout(format.endsWith('\n') ? format.slice(0, -1) : format);
  return { prefix, fields: operators.map(fieldReader), after };
}

type Span = [number, number];

/** Every split of the line, by plain recursion; null when there are more than `cap` (the case is skipped). */
function allSplits(layout: Layout, line: string, cap = 5000): Span[][] | null {
  const { prefix, fields, after } = layout;
  const n = fields.length;
  const tail = after[n - 1]!;
  if (!line.startsWith(prefix) || !line.endsWith(tail) || line.length - tail.length < prefix.length) return [];
  const endLimit = line.length - tail.length;
  const out: Span[][] = [];
  const spans: Span[] = [];
  let overflow = false;
  const walk = (i: number, p: number) => {
    if (overflow) return;
    if (i === n - 1) {
      if (p <= endLimit && fields[i]!.accepts(line, p, endLimit)) {
        out.push([...spans, [p, endLimit]]);
        if (out.length > cap) overflow = true;
      }
      return;
    }
    for (let q = p; q <= endLimit; q++) {
      if (!line.startsWith(after[i]!, q) || !fields[i]!.accepts(line, p, q)) continue;
      spans.push([p, q]);
      walk(i + 1, q + after[i]!.length);
      spans.pop();
    }
  };
  walk(0, prefix.length);
  return overflow ? null : out;
}

interface Expected {
  ok: boolean;
  values: FieldValue[];
  ambiguous: number[];
  alternatives: Set<string>[];
}

function expectedFrom(layout: Layout, line: string, splits: Span[][]): Expected {
  const n = layout.fields.length;
  const values: FieldValue[] = [];
  const ambiguous: number[] = [];
  const alternatives: Set<string>[] = [];
  if (splits.length === 0) return { ok: false, values, ambiguous, alternatives };
  for (let i = 0; i < n; i++) {
    const spans = new Set(splits.map((s) => `${s[i]![0]},${s[i]![1]}`));
    const [s, e] = splits[0]![i]!;
    if (spans.size === 1) {
      values.push(layout.fields[i]!.read(line, s, e));
    } else {
      values.push(null);
      ambiguous.push(i);
      alternatives.push(new Set(splits.map((sp) => line.slice(sp[i]![0], sp[i]![1]))));
    }
  }
  return { ok: true, values, ambiguous, alternatives };
}

function compare(line: string, got: TextParseResult, want: Expected, label: string): void {
  const where = `${label}\nline: ${JSON.stringify(line)}\ngot: ${JSON.stringify(got)}`;
  assert.equal(got.ok, want.ok, `parse ok\n${where}`);
  if (!got.ok) {
    assert.ok(got.column >= 1 && got.column <= line.length + 1, `failure column within the line\n${where}`);
    return;
  }
  assert.deepEqual(got.ambiguous ?? [], want.ambiguous, `ambiguous fields\n${where}`);
  assert.deepEqual(got.values, want.values, `values\n${where}`);
  want.alternatives.forEach((texts, k) => {
    const alts = got.alternatives![k]!;
    assert.ok(alts.length >= Math.min(2, texts.size), `at least two alternatives when there are two\n${where}`);
    assert.equal(new Set(alts).size, alts.length, `alternatives are distinct\n${where}`);
    for (const a of alts) assert.ok(texts.has(a), `alternative ${JSON.stringify(a)} is a real split\n${where}`);
  });
}

const pools: Record<string, string[]> = {
  uint: ['0', '200', '40', '12345', '-'],
  duration: ['0', '17', '226', '-'],
  time: ['2016-04-15T20:17:00.310Z', '2025-12-16T09:45:56.365Z', '-'],
  address: ['10.0.35.28:80', '[fd00::5]:8080', '[::1]:80', 'tcp://10.0.2.1:80', '-', '/tmp/envoy.sock', 'envoy://l/e'],
  ip: ['10.0.35.28', 'fd00::5', '-', '10.1.0.0/16'],
  port: ['80', '-', '65535'],
  flags: ['-', 'UF', 'UF,URX', 'UT,UR,URX'],
  protocol: ['HTTP/1.1', 'HTTP/2', 'HTTP/1.0', '-'],
  token: ['app_service', '-', 'outbound|8000||httpbin', '', 'a"b', 'x-1'],
};

/** A value for one field: usually well formed, sometimes hostile (the format's own literals, quotes, spaces, digits). */
function valueFor(token: OperatorToken, literals: string[], hostileShare: number, rand: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const hostile = () => {
    // Forged fields: the format's literals and other fields' values, as a client writing quotes would produce.
    const forged = pick(Object.values(pools));
    const lits = literals.filter((l) => l.length > 0);
    const parts = ['"', ' ', '\t', '-', '1', 'a', '" "', ',', ':', pick(forged), ...lits];
    if (lits.length) parts.push(pick(lits) + pick(forged) + pick(lits));
    let s = '';
    const len = Math.floor(rand() * 5);
    for (let k = 0; k < len; k++) s += pick(parts);
    return s;
  };
  const customTimes: Record<string, string[]> = {
    '%Y-%m-%d %H:%M:%S': ['2024-01-02 03:04:05', '2024-01-02 03:04:60', '-'],
    '%d %H': ['02 03', '31 23', '-'],
  };
  const pool = token.arg?.toUpperCase() === 'X-ENVOY-UPSTREAM-SERVICE-TIME' ? pools.duration!
    : token.kind === 'time' && token.arg ? customTimes[token.arg] : pools[token.kind];
  if (token.kind === 'text') return rand() >= hostileShare ? pick(['-', 'curl/7.81.0', 'GET', '/api/v1', '10.0.35.28', '']) : hostile();
  if (rand() < 0.08) return hostile(); // a typed field holding garbage: the line may well be rejected
  return pick(pool!);
}

function randomLine(format: string, rand: () => number): string {
  const tokens = tokenizeFormat(format.endsWith('\n') ? format.slice(0, -1) : format);
  const literals = tokens.filter((t) => t.type === 'literal').map((t) => (t as { text: string }).text);
  // Keep a fair share of lines free of hostile text, however many free-text fields the format has.
  const textFields = tokens.filter((t) => t.type === 'operator' && t.kind === 'text').length;
  const hostileShare = Math.min(0.5, 0.8 / Math.max(1, textFields));
  let line = '';
  for (const t of tokens) line += t.type === 'literal' ? t.text : valueFor(t, literals, hostileShare, rand);
  // Sometimes damage the line: delete, duplicate or insert a character.
  const r = rand();
  if (r < 0.1 && line.length) {
    const at = Math.floor(rand() * line.length);
    line = line.slice(0, at) + line.slice(at + 1);
  } else if (r < 0.2) {
    const at = Math.floor(rand() * (line.length + 1));
    line = line.slice(0, at) + ['"', ' ', '-', '0'][Math.floor(rand() * 4)] + line.slice(at);
  }
  return line;
}

const formats: Record<string, string> = {
  seed: SEED_FORMAT,
  'envoy default': ENVOY_DEFAULT_FORMAT,
  'istio default': ISTIO_DEFAULT_FORMAT,
  'two headers then a number': '%REQ(A)% %REQ(B)% %RESPONSE_CODE%',
  'quoted headers': '"%REQ(A)%" "%REQ(B)%" %BYTES_SENT%',
  'truncated header (bounded text)': '%REQ(A):3% %REQ(B)% %DURATION%',
  'times with spaces before a space': '%START_TIME(%Y-%m-%d %H:%M:%S)% %REQ(A)% %START_TIME(%d %H)% %REQ(B)% %BYTES_SENT%',
  'truncated headers holding their literal': '%REQ(A):4%,%REQ(B):4%,%RESPONSE_CODE%',
  'adjacent operators': '%REQ(A)%%BYTES_SENT%%REQ(B)%',
  'token before a quote': '%UPSTREAM_CLUSTER%"%REQ(A)%"%UPSTREAM_HOST%',
  'token before space-quote': '%REQ(A)% %UPSTREAM_CLUSTER% "%REQ(B)%" %RESPONSE_CODE%',
  'self-overlapping literal': '%REQ(A)%""%REQ(B)%""%RESPONSE_CODE%',
  'address before a quote': '"%UPSTREAM_HOST%" %REQ(A)% "%DOWNSTREAM_REMOTE_ADDRESS%" %REQ(B)% %UPSTREAM_CLUSTER%',
  'tokens and flags': '%UPSTREAM_CLUSTER% %ROUTE_NAME% %RESPONSE_FLAGS% %REQ(A)% %RESPONSE_CODE_DETAILS%',
};

for (const [name, format] of Object.entries(formats)) {
  test(`parser agrees with the brute-force oracle: ${name}`, () => {
    const layout = layoutOf(format);
    const parser = new TextLineParser(layout.prefix, layout.fields, layout.after);
    const compiled = compileFormat({ type: 'text', text: format });
    const rand = seededRandom(0x5eed ^ name.length * 7919);
    let compared = 0, ambiguousLines = 0, rejected = 0, searched = 0;
    for (let k = 0; k < 3000; k++) {
      const line = randomLine(format, rand);
      const splits = allSplits(layout, line);
      if (splits === null) continue;
      const want = expectedFrom(layout, line, splits);
      compare(line, parser.parse(line), want, `${name} #${k}`);
      if (parser.lastSearchWork > 0) searched++;
      compare(line, compiled.parse(line) as TextParseResult, want, `${name} #${k} (compiled)`);
      compared++;
      if (!want.ok) rejected++;
      else if (want.ambiguous.length) ambiguousLines++;
    }
    // The generator must actually reach every outcome, or the comparison proves little.
    assert.ok(compared > 2000, `compared ${compared}`);
    assert.ok(ambiguousLines > 5, `ambiguous lines ${ambiguousLines}`);
    assert.ok(rejected > 10, `rejected lines ${rejected}`);
    // Both the hot path and the exact search must have decided a good share of lines (with no literal between two
    // operators, every split needs the search).
    assert.ok(searched > 50, `exact search on ${searched} of ${compared}`);
    if (!name.startsWith('adjacent')) assert.ok(compared - searched > 50, `hot path on ${compared - searched} of ${compared}`);
  });
}

test('oracle cross-check on hand-written lines with known answers', () => {
  // Independent of the generator: lines whose splits are easy to count by hand.
  const layout = layoutOf('%REQ(A)% %REQ(B)% %RESPONSE_CODE%');
  assert.equal(allSplits(layout, 'a b 200')!.length, 1);
  assert.equal(allSplits(layout, 'a b c 200')!.length, 2); // A="a" B="b c", or A="a b" B="c"
  assert.equal(allSplits(layout, 'a b x')!.length, 0);
  const parser = new TextLineParser(layout.prefix, layout.fields, layout.after);
  const r = parser.parse('a b c 200');
  assert.ok(r.ok);
  assert.deepEqual(r.ambiguous, [0, 1]);
  assert.equal(r.values[2], 200);
  assert.deepEqual(new Set(r.alternatives![0]), new Set(['a', 'a b']));
  assert.deepEqual(new Set(r.alternatives![1]), new Set(['b c', 'c']));
});
