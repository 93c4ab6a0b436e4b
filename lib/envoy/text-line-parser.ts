// Parses lines written by an Envoy text format. Envoy escapes nothing, so a header value may contain the very literal
// that follows it in the format (a User-Agent holding `" "`): a line is split where the *whole* line matches, with
// every typed field holding its type, and when several splits match, the fields they disagree on are reported.
//
// Hot path (hand-written for speed, see shared/notes/performance.md): one left-to-right scan taking each field's
// first possible end, and one right-to-left scan taking each field's last possible start. When both succeed and agree
// the split is the only one. Otherwise an exact search over every split point decides; it does work linear in the
// line's length for each field (with a hard budget), so hostile lines cannot make it quadratic.
import { type FieldReader, type FieldValue, SpanRule } from './field-reader.ts';

export interface TextParseOk {
  ok: true;
  values: FieldValue[];
  /** Indexes of fields that several splits disagree on; their value is null. */
  ambiguous?: number[];
  /** For each ambiguous field, the distinct raw texts it could be (at most a few). */
  alternatives?: string[][];
}

export interface ParseFailure {
  ok: false;
  reason: string;
  /** 1-based column in the line. */
  column: number;
}

export type TextParseResult = TextParseOk | ParseFailure;

const MAX_ALTERNATIVES = 4;

export class TextLineParser {
  private readonly n: number;
  /** after[i] = the literal that follows field i (the last one ends the line). */
  private readonly after: string[];

  constructor(
    private readonly prefix: string,
    private readonly fields: FieldReader[],
    literalsAfter: string[],
  ) {
    this.n = fields.length;
    this.after = literalsAfter;
  }

  parse(line: string): TextParseResult {
    const { prefix, n } = this;
    if (!line.startsWith(prefix)) return fail(`line does not start with ${show(prefix)}`, firstDifference(line, prefix));
    if (n === 0) {
      return line.length === prefix.length ? { ok: true, values: [] } : fail('unexpected text after the format', prefix.length + 1);
    }
    const last = this.after[n - 1]!;
    if (!line.endsWith(last) || line.length - last.length < prefix.length) {
      return fail(`line does not end with ${show(last)}`, Math.max(1, line.length - last.length + 1));
    }
    const forward = this.scanForward(line);
    if (forward) {
      const backward = this.scanBackward(line);
      if (backward && sameSplit(forward, backward)) return { ok: true, values: this.readAll(line, forward) };
    }
    return this.searchAllSplits(line);
  }

  private readAll(line: string, starts: Int32Array): FieldValue[] {
    const values = new Array<FieldValue>(this.n);
    for (let i = 0; i < this.n; i++) {
      values[i] = this.fields[i]!.read(line, starts[2 * i]!, starts[2 * i + 1]!);
    }
    return values;
  }

  /** Each field takes its first possible end. Returns [start0, end0, start1, end1, …] or null. */
  private scanForward(line: string): Int32Array | null {
    const { n, fields, after } = this;
    const split = new Int32Array(2 * n);
    let p = this.prefix.length;
    for (let i = 0; i < n; i++) {
      const f = fields[i]!;
      const lit = after[i]!;
      let q: number;
      if (i === n - 1) {
        q = line.length - lit.length;
        if (q < p || !f.accepts(line, p, q)) return null;
      } else {
        q = firstEnd(f, line, p, lit);
        if (q < 0) return null;
      }
      split[2 * i] = p;
      split[2 * i + 1] = q;
      p = q + lit.length;
    }
    return split;
  }

  /** Each field takes its last possible start, from the end of the line. */
  private scanBackward(line: string): Int32Array | null {
    const { n, fields, after, prefix } = this;
    const split = new Int32Array(2 * n);
    let e = line.length - after[n - 1]!.length;
    for (let i = n - 1; i >= 0; i--) {
      const f = fields[i]!;
      let s: number;
      if (i === 0) {
        s = prefix.length;
        if (s > e || !f.accepts(line, s, e)) return null;
      } else {
        s = lastStart(f, line, e, after[i - 1]!, prefix.length);
        if (s < 0) return null;
      }
      split[2 * i] = s;
      split[2 * i + 1] = e;
      e = i > 0 ? s - after[i - 1]!.length : e;
    }
    return split;
  }

  /**
   * The exact answer: the sets of positions where each field can start and end on some split of the whole line,
   * computed from the left and from the right. A field is settled when both of its ends have one possible position.
   */
  private searchAllSplits(line: string): TextParseResult {
    const { n, fields, after, prefix } = this;
    const budget = { left: 64 * line.length + 4096 };
    const occurrences = new Map<string, number[]>();
    const occ = (lit: string) => {
      let list = occurrences.get(lit);
      if (!list) occurrences.set(lit, (list = findAll(line, lit)));
      return list;
    };
    const endLimit = line.length - after[n - 1]!.length;

    // From the left: starts[i] = positions where field i can start, ends[i] = where it can end.
    const startsL: number[][] = [[prefix.length]];
    const endsL: number[][] = [];
    for (let i = 0; i < n; i++) {
      const candidates = i === n - 1 ? [endLimit] : occ(after[i]!);
      const ends = reachableEnds(fields[i]!, line, startsL[i]!, candidates, budget);
      if (budget.left < 0) return fail('line too ambiguous to split within the work limit', 1);
      if (ends.length === 0) return this.explainFailure(line, i, startsL[i]!);
      endsL.push(ends);
      if (i < n - 1) startsL.push(ends.map((q) => q + after[i]!.length));
    }
    // From the right.
    const endsR: number[][] = new Array(n);
    const startsR: number[][] = new Array(n);
    endsR[n - 1] = [endLimit];
    for (let i = n - 1; i >= 0; i--) {
      const candidates = i === 0 ? [prefix.length] : occ(after[i - 1]!).map((k) => k + after[i - 1]!.length);
      startsR[i] = reachableStarts(fields[i]!, line, candidates, endsR[i]!, budget);
      if (budget.left < 0) return fail('line too ambiguous to split within the work limit', 1);
      if (i > 0) endsR[i - 1] = startsR[i]!.map((s) => s - after[i - 1]!.length);
    }
    const values = new Array<FieldValue>(n);
    const ambiguous: number[] = [];
    const alternatives: string[][] = [];
    for (let i = 0; i < n; i++) {
      const starts = intersect(startsL[i]!, startsR[i]!);
      const ends = intersect(endsL[i]!, endsR[i]!);
      if (starts.length === 0 || ends.length === 0) return this.explainFailure(line, 0, startsL[0]!);
      if (starts.length === 1 && ends.length === 1) {
        values[i] = fields[i]!.read(line, starts[0]!, ends[0]!);
        continue;
      }
      values[i] = null;
      ambiguous.push(i);
      alternatives.push(spanTexts(fields[i]!, line, starts, ends));
    }
    return ambiguous.length ? { ok: true, values, ambiguous, alternatives } : { ok: true, values };
  }

  /** Names the first field that cannot be read, where, and what was there. */
  private explainFailure(line: string, field: number, starts: number[]): ParseFailure {
    const f = this.fields[field]!;
    const at = starts[0] ?? 0;
    const lit = this.after[field]!;
    const found = show(line.slice(at, at + 24) + (line.length > at + 24 ? '…' : ''));
    const next = field === this.n - 1 ? 'the end of the line' : show(lit);
    return fail(`${f.key}: expected ${f.expected} followed by ${next}, found ${found}`, at + 1);
  }
}

function fail(reason: string, column: number): ParseFailure {
  return { ok: false, reason, column };
}

function show(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function firstDifference(line: string, prefix: string): number {
  let i = 0;
  while (i < prefix.length && line.charCodeAt(i) === prefix.charCodeAt(i)) i++;
  return i + 1;
}

function sameSplit(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** The first q ≥ p where `lit` occurs and line[p, q) is a value of f; -1 if none. */
function firstEnd(f: FieldReader, line: string, p: number, lit: string): number {
  if (f.rule === SpanRule.Any) return line.indexOf(lit, p);
  const limit = f.rule === SpanRule.Bounded ? p + f.maxLength : line.length;
  let q = line.indexOf(lit, p);
  while (q >= 0 && q <= limit) {
    if (f.rule === SpanRule.NoWhitespace) {
      // Any later end would include the same whitespace: one check decides.
      if (q > p) return f.accepts(line, p, q) ? q : -1;
    } else if (f.accepts(line, p, q)) return q;
    q = line.indexOf(lit, q + 1);
  }
  return -1;
}

/** The last s ≤ e, with `lit` ending at s and s - |lit| ≥ floor, where line[s, e) is a value of f; -1 if none. */
function lastStart(f: FieldReader, line: string, e: number, lit: string, floor: number): number {
  const limit = f.rule === SpanRule.Bounded ? e - f.maxLength : floor;
  let k = line.lastIndexOf(lit, e - lit.length);
  while (k >= floor && k + lit.length >= limit) {
    const s = k + lit.length;
    if (f.rule === SpanRule.Any) return s;
    if (f.rule === SpanRule.NoWhitespace) {
      if (s < e) return f.accepts(line, s, e) ? s : -1;
    } else if (f.accepts(line, s, e)) return s;
    if (k === 0) break;
    k = line.lastIndexOf(lit, k - 1);
  }
  return -1;
}

/** Every position where `lit` starts in the line (overlapping); every position for the empty literal. */
function findAll(line: string, lit: string): number[] {
  const out: number[] = [];
  if (lit === '') {
    for (let i = 0; i <= line.length; i++) out.push(i);
    return out;
  }
  for (let i = line.indexOf(lit); i >= 0; i = line.indexOf(lit, i + 1)) out.push(i);
  return out;
}

/** First index in a sorted array whose value is ≥ x. */
function lowerBound(sorted: number[], x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function uniqueSorted(values: number[]): number[] {
  values.sort((a, b) => a - b);
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}

/** Ends (from candidates, sorted) that some start (sorted) reaches with a valid value. */
function reachableEnds(f: FieldReader, line: string, starts: number[], candidates: number[], budget: { left: number }): number[] {
  const first = starts[0]!;
  budget.left -= candidates.length + starts.length;
  if (f.rule === SpanRule.Any) return candidates.slice(lowerBound(candidates, first));
  if (f.rule === SpanRule.NoWhitespace) {
    // Valid iff some start lies after the last blank before q and before q.
    const out: number[] = [];
    let lastBlank = -1, scanned = 0;
    for (const q of candidates) {
      if (q <= first) continue;
      for (; scanned < q; scanned++) if (isBlank(line.charCodeAt(scanned))) lastBlank = scanned;
      const idx = lowerBound(starts, lastBlank + 1);
      if (idx < starts.length && starts[idx]! < q) out.push(q);
    }
    return out;
  }
  const out: number[] = [];
  for (const p of starts) {
    for (let j = lowerBound(candidates, p); j < candidates.length && candidates[j]! <= p + f.maxLength; j++) {
      budget.left -= f.maxLength > 64 ? 8 : 1;
      if (f.accepts(line, p, candidates[j]!)) out.push(candidates[j]!);
    }
    if (budget.left < 0) return out;
  }
  return uniqueSorted(out);
}

/** Starts (from candidates, sorted) from which some end (sorted) is reached with a valid value. */
function reachableStarts(f: FieldReader, line: string, candidates: number[], ends: number[], budget: { left: number }): number[] {
  const lastEnd = ends[ends.length - 1]!;
  budget.left -= candidates.length + ends.length;
  if (f.rule === SpanRule.Any) return candidates.slice(0, lowerBound(candidates, lastEnd + 1));
  if (f.rule === SpanRule.NoWhitespace) {
    const out: number[] = [];
    let nextBlank = line.length, scanned = line.length - 1;
    for (let j = candidates.length - 1; j >= 0; j--) {
      const s = candidates[j]!;
      if (s >= lastEnd) continue;
      for (; scanned >= s; scanned--) if (isBlank(line.charCodeAt(scanned))) nextBlank = scanned;
      const idx = lowerBound(ends, s + 1);
      if (idx < ends.length && ends[idx]! <= nextBlank) out.push(s);
    }
    return out.reverse();
  }
  const out: number[] = [];
  for (const e of ends) {
    for (let j = lowerBound(candidates, e - f.maxLength); j < candidates.length && candidates[j]! <= e; j++) {
      budget.left -= f.maxLength > 64 ? 8 : 1;
      if (f.accepts(line, candidates[j]!, e)) out.push(candidates[j]!);
    }
    if (budget.left < 0) return out;
  }
  return uniqueSorted(out);
}

function intersect(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]!);
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return out;
}

/** Distinct texts an ambiguous field could hold (valid start/end pairs), a few at most. */
function spanTexts(f: FieldReader, line: string, starts: number[], ends: number[]): string[] {
  const seen = new Set<string>();
  for (const s of starts) {
    for (const e of ends) {
      if (e < s || !f.accepts(line, s, e)) continue;
      seen.add(line.slice(s, e));
      if (seen.size >= MAX_ALTERNATIVES) return [...seen];
    }
  }
  return [...seen];
}
