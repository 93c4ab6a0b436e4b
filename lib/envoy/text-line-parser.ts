// Parses lines written by an Envoy text format. Envoy escapes nothing, so a header value may contain the very literal
// that follows it in the format (a User-Agent holding `" "`): a line is split where the *whole* line matches, with
// every typed field holding its type, and when several splits match, the fields they disagree on are reported.
//
// A split gives field i a span [start_i, end_i); the literal after it begins at end_i. The hot path (hand-written, see
// shared/notes/performance.md) proves a split unique in two linear passes:
//
//  1. Forward: each field takes its first acceptable end. Call this split F.
//  2. Check: for every field, no occurrence of the literal before it ends inside (start_i, end_i] of F's value.
//
// Why that suffices: take another split S, the first field i where it differs from F and the last field j. S starts
// field i where F does, so it ends it later (F took the first acceptable end). S ends field j where F does and, by the
// check, cannot start it inside F's value, so it starts it earlier. Between them, the last field m that S starts later
// than F must then also end earlier than F (else S would follow F from m+1 on, up to j): S's start of m is an
// occurrence of the literal before m ending inside F's value of m, which the check ruled out. So there is no S.
// (Comparing F with the split taken greedily from the right, as an earlier version did, misses exactly this case:
// a value that accepts a short span inside itself but not the longer one with the same start.)
//
// A field that cannot contain the last character of the literal before it passes the check without looking; one
// that cannot contain the first character of the literal after it has one possible end. Anything else, dead ends
// included, goes to an exact search over the positions each field can start and end at on some full split, which
// costs work linear in the line for a given format and gives up, as a clear failure, past a fixed budget.
import { type FieldReader, type FieldValue, InlineShape, NOT_A_VALUE, SpanRule } from './field-reader.ts';

export interface TextParseOk {
  ok: true;
  values: FieldValue[];
  /** Indexes of fields that several splits disagree on; their value is null. */
  ambiguous?: number[];
  /** For each ambiguous field, distinct raw texts it could be (at most MAX_ALTERNATIVES, each cut to MAX_ALT_LENGTH). */
  alternatives?: string[][];
}

export interface ParseFailure {
  ok: false;
  reason: string;
  /** 1-based column in the line. */
  column: number;
}

export type TextParseResult = TextParseOk | ParseFailure;

export const MAX_ALTERNATIVES = 4;
/** Alternatives are shown to people and stored: a 1 MB hostile header must not be stored four times over. */
export const MAX_ALT_LENGTH = 512;
/** Work units (positions visited, characters checked) the exact search may spend, per character of the line. */
const WORK_PER_CHAR = 64;
const WORK_BASE = 1 << 16;

interface Budget {
  left: number;
}

export class TextLineParser {
  private readonly n: number;
  /** after[i] = the literal that follows field i (the last one ends the line). */
  private readonly after: string[];
  /** Field i cannot contain the first character of the literal after it: its end is fixed by its start. */
  private readonly endFixed: boolean[];
  /** Field i cannot contain the last character of the literal before it: its start is fixed by its end. */
  private readonly startFixed: boolean[];
  /** lastChars[i] = the last character of the literal before field i ('' when there is none). */
  private readonly lastChars: string[];
  /** Scratch for the hot path: [start0, end0, start1, end1, …]. */
  private readonly split: Int32Array;
  /** Work units the last exact search spent (0 when the hot path decided): lets tests check linear time. */
  lastSearchWork = 0;

  constructor(
    private readonly prefix: string,
    private readonly fields: FieldReader[],
    literalsAfter: string[],
  ) {
    const n = fields.length;
    this.n = n;
    this.after = literalsAfter;
    this.split = new Int32Array(2 * n);
    this.endFixed = fields.map((f, i) => {
      const lit = literalsAfter[i]!;
      return i === n - 1 || (lit.length > 0 && !f.canContain(lit.charCodeAt(0)));
    });
    this.lastChars = fields.map((_, i) => (i === 0 ? '' : literalsAfter[i - 1]!.slice(-1)));
    this.startFixed = fields.map((f, i) => {
      const lit = i === 0 ? '' : literalsAfter[i - 1]!;
      return i === 0 || (lit.length > 0 && !f.canContain(lit.charCodeAt(lit.length - 1)));
    });
  }

  parse(line: string): TextParseResult {
    const { prefix, n } = this;
    this.lastSearchWork = 0;
    if (!line.startsWith(prefix)) return fail(`line does not start with ${show(prefix)}`, firstDifference(line, prefix));
    if (n === 0) {
      return line.length === prefix.length ? { ok: true, values: [] } : fail('unexpected text after the format', prefix.length + 1);
    }
    const last = this.after[n - 1]!;
    if (!line.endsWith(last) || line.length - last.length < prefix.length) {
      return fail(`line does not end with ${show(last)}`, Math.max(1, line.length - last.length + 1));
    }
    const split = this.split;
    const values = new Array<FieldValue>(n);
    if (this.forward(line, split, values) && this.latestStarts(line, split)) return { ok: true, values };
    return this.searchAllSplits(line);
  }

  /**
   * Step 1: each field takes its first acceptable end, reading its value on the way (thrown away unless step 2 proves
   * the split unique). False on a dead end: greedy choices may have missed a split, so the exact search decides.
   */
  private forward(line: string, split: Int32Array, values: FieldValue[]): boolean {
    const { n, fields, after, endFixed } = this;
    const endLimit = line.length - after[n - 1]!.length;
    let p = this.prefix.length;
    let hasTab = -1; // whether the line holds a tab: looked up once, when a token first needs it
    for (let i = 0; i < n; i++) {
      const f = fields[i]!;
      const lit = after[i]!;
      const last = i === n - 1;
      let q: number;
      let value: FieldValue | typeof NOT_A_VALUE;
      if (f.inline === InlineShape.UnsignedNumber && endFixed[i]) {
        // The digits end where the literal must begin (it cannot begin with a digit or '-'): no search needed.
        q = p;
        let number = 0;
        for (let c = line.charCodeAt(q); c >= 48 && c <= 57; c = line.charCodeAt(++q)) number = number * 10 + c - 48;
        if (q > p) value = q - p < f.maxLength ? number : NOT_A_VALUE;
        else if (line.charCodeAt(p) === DASH) value = null, q = p + 1;
        else value = NOT_A_VALUE;
        if (last ? q !== endLimit : !line.startsWith(lit, q)) return false;
      } else {
        q = last ? endLimit : line.indexOf(lit, p);
        if (q < 0) return false;
        if (f.inline === InlineShape.Text) {
          value = q - p === 1 && line.charCodeAt(p) === DASH ? null : line.slice(p, q);
        } else if (f.inline === InlineShape.Token) {
          // A blank stays in every longer value too: no later end can work. When the literal is one space, the
          // value (up to its first occurrence) holds none, and only a tab is left to look for.
          if (lit === ' ' && !last) {
            if (hasTab === -1) hasTab = line.indexOf('\t') >= 0 ? 1 : 0;
            if (hasTab === 1) for (let k = p; k < q; k++) if (line.charCodeAt(k) === 9) return false;
          } else for (let k = p; k < q; k++) if (isBlank(line.charCodeAt(k))) return false;
          value = q - p === 1 && line.charCodeAt(p) === DASH ? null : line.slice(p, q);
        } else {
          value = f.value(line, p, q);
          // The first acceptable end. A field that cannot hold the literal's first character cannot reach a later
          // occurrence; otherwise look further, within the field's longest value.
          if (!endFixed[i]) {
            while (value === NOT_A_VALUE) {
              const next = line.indexOf(lit, q + 1);
              if (next <= q || next > endLimit || next - p > f.maxLength) return false; // (an empty literal stops moving)
              q = next;
              value = f.value(line, p, q);
            }
          }
        }
      }
      if (value === NOT_A_VALUE) return false;
      values[i] = value;
      split[2 * i] = p;
      split[2 * i + 1] = q;
      p = q + lit.length;
      if (!last && p > endLimit) return false;
    }
    return true;
  }

  /** Step 2: no occurrence of the literal before a field ends inside (start, end] of its value in F. */
  private latestStarts(line: string, split: Int32Array): boolean {
    const { after, startFixed, lastChars } = this;
    for (let i = this.n - 1; i > 0; i--) {
      if (startFixed[i]) continue;
      const lit = after[i - 1]!;
      const s = split[2 * i]!, e = split[2 * i + 1]!;
      // An occurrence ending at x + 1 in (s, e] has its last character at x in [s, e): look for that character.
      for (let x = line.indexOf(lastChars[i]!, s); x >= 0 && x < e; x = line.indexOf(lastChars[i]!, x + 1)) {
        if (x + 1 >= lit.length && line.startsWith(lit, x + 1 - lit.length)) return false;
      }
    }
    return true;
  }

  /**
   * The exact answer. From the left: the positions where each field can start (the literal before it reached from
   * the line's start) and end. From the right, within those: the ones from which the rest of the line can be read.
   * What survives both lies on some full split; a field is settled when it has one start and one end left.
   */
  private searchAllSplits(line: string): TextParseResult {
    const budget: Budget = { left: WORK_PER_CHAR * line.length + WORK_BASE };
    const initial = budget.left;
    const result = this.search(line, budget);
    this.lastSearchWork = initial - budget.left;
    return result;
  }

  private search(line: string, budget: Budget): TextParseResult {
    const { n, fields, after, prefix, endFixed } = this;
    const endLimit = line.length - after[n - 1]!.length;
    const occurrences = new Map<string, number[]>();
    const occ = (lit: string) => {
      let list = occurrences.get(lit);
      if (!list) occurrences.set(lit, (list = findAll(line, lit, endLimit)));
      budget.left -= list.length;
      return list;
    };

    // From the left.
    const startsL: number[][] = [[prefix.length]];
    const endsL: number[][] = [];
    /** For bounded fields, the valid spans found: [s0, e0, s1, e1, …], by start. */
    const pairs: number[][] = [];
    for (let i = 0; i < n; i++) {
      const f = fields[i]!;
      const starts = startsL[i]!;
      const candidates = i === n - 1 ? [endLimit] : occ(after[i]!);
      let ends: number[];
      if (f.rule === SpanRule.Any) ends = candidates.slice(lowerBound(candidates, starts[0]!));
      else if (f.rule === SpanRule.NoWhitespace) ends = tokenEnds(line, starts, candidates);
      else {
        const found = boundedSpans(f, line, starts, candidates, endFixed[i]!, budget);
        pairs[i] = found;
        const list: number[] = [];
        for (let k = 1; k < found.length; k += 2) list.push(found[k]!);
        ends = uniqueSorted(list);
      }
      budget.left -= starts.length + ends.length;
      if (budget.left < 0) return tooAmbiguous();
      if (ends.length === 0) return this.explainFailure(line, i, starts);
      endsL.push(ends);
      if (i < n - 1) {
        const len = after[i]!.length;
        startsL.push(ends.map((q) => q + len));
      }
    }

    // From the right, keeping only what the rest of the line can follow.
    const startsOk: number[][] = new Array(n);
    const endsOk: number[][] = new Array(n);
    endsOk[n - 1] = [endLimit];
    for (let i = n - 1; i >= 0; i--) {
      const f = fields[i]!;
      const starts = startsL[i]!;
      const ends = endsOk[i]!;
      let ok: number[];
      if (f.rule === SpanRule.Any) ok = starts.slice(0, lowerBound(starts, ends[ends.length - 1]! + 1));
      else if (f.rule === SpanRule.NoWhitespace) ok = tokenStarts(line, starts, ends);
      else {
        const found = pairs[i]!;
        ok = [];
        for (let k = 0; k < found.length; k += 2) {
          if (contains(ends, found[k + 1]!) && ok[ok.length - 1] !== found[k]) ok.push(found[k]!);
        }
      }
      budget.left -= starts.length + ok.length;
      if (budget.left < 0) return tooAmbiguous();
      startsOk[i] = ok;
      if (i > 0) {
        const len = after[i - 1]!.length;
        endsOk[i - 1] = ok.map((s) => s - len);
      }
    }

    const values = new Array<FieldValue>(n);
    const ambiguous: number[] = [];
    const alternatives: string[][] = [];
    for (let i = 0; i < n; i++) {
      const starts = startsOk[i]!;
      const ends = endsOk[i]!;
      if (starts.length === 1 && ends.length === 1) {
        values[i] = fields[i]!.read(line, starts[0]!, ends[0]!);
        continue;
      }
      values[i] = null;
      ambiguous.push(i);
      alternatives.push(spanTexts(fields[i]!, line, starts, ends, pairs[i]));
    }
    return ambiguous.length ? { ok: true, values, ambiguous, alternatives } : { ok: true, values };
  }

  /** Names the first field that cannot be read, where, and what was there. */
  private explainFailure(line: string, field: number, starts: number[]): ParseFailure {
    const f = this.fields[field]!;
    const at = starts[0]!;
    const found = show(line.slice(at, at + 24) + (line.length > at + 24 ? '…' : ''));
    const lit = this.after[field]!;
    const next = field === this.n - 1 ? 'the end of the line' : lit === '' ? 'the next field' : show(lit);
    return fail(`${f.key}: expected ${f.expected} followed by ${next}, found ${found}`, at + 1);
  }
}

function fail(reason: string, column: number): ParseFailure {
  return { ok: false, reason, column };
}

function tooAmbiguous(): ParseFailure {
  return fail('line too ambiguous to split within the work limit (a header repeats the format\'s separators many times)', 1);
}

function show(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function firstDifference(line: string, prefix: string): number {
  let i = 0;
  while (i < prefix.length && line.charCodeAt(i) === prefix.charCodeAt(i)) i++;
  return i + 1;
}

const DASH = 45;

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** Every position ≤ limit where `lit` starts (overlapping ones too); every position for the empty literal. */
function findAll(line: string, lit: string, limit: number): number[] {
  const out: number[] = [];
  if (lit === '') {
    for (let i = 0; i <= limit; i++) out.push(i);
    return out;
  }
  for (let i = line.indexOf(lit); i >= 0 && i <= limit; i = line.indexOf(lit, i + 1)) out.push(i);
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

function contains(sorted: number[], x: number): boolean {
  const i = lowerBound(sorted, x);
  return i < sorted.length && sorted[i] === x;
}

function uniqueSorted(values: number[]): number[] {
  values.sort((a, b) => a - b);
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}

/**
 * Token ends among the candidates (sorted): q is reachable when the latest start at or before q has no blank
 * between it and q (an earlier start would hold the same blank).
 */
function tokenEnds(line: string, starts: number[], candidates: number[]): number[] {
  const out: number[] = [];
  let s = -1, si = 0, lastBlank = -1, scanned = 0;
  for (const q of candidates) {
    while (si < starts.length && starts[si]! <= q) s = starts[si++]!;
    if (s < 0) continue;
    for (; scanned < q; scanned++) if (isBlank(line.charCodeAt(scanned))) lastBlank = scanned;
    if (lastBlank < s) out.push(q);
  }
  return out;
}

/** Token starts from which some end (sorted) is reached: the first end at or after s, before the next blank. */
function tokenStarts(line: string, starts: number[], ends: number[]): number[] {
  const out: number[] = [];
  let e = -1, ei = ends.length - 1, nextBlank = line.length, scanned = line.length - 1;
  for (let j = starts.length - 1; j >= 0; j--) {
    const s = starts[j]!;
    while (ei >= 0 && ends[ei]! >= s) e = ends[ei--]!;
    if (e < s) continue;
    for (; scanned >= s; scanned--) if (isBlank(line.charCodeAt(scanned))) nextBlank = scanned;
    if (nextBlank >= e) out.push(s);
  }
  return out.reverse();
}

/**
 * The valid spans of a bounded field from sorted starts to sorted candidate ends, as [s0, e0, s1, e1, …] by start.
 * When the field cannot contain the literal's first character, only the first candidate at or after a start can
 * end it, which keeps hostile lines linear; otherwise every candidate within maxLength is tried.
 */
function boundedSpans(f: FieldReader, line: string, starts: number[], candidates: number[], endFixed: boolean,
  budget: Budget): number[] {
  const out: number[] = [];
  let j = 0;
  for (const s of starts) {
    while (j < candidates.length && candidates[j]! < s) j++;
    for (let k = j; k < candidates.length && candidates[k]! - s <= f.maxLength; k++) {
      const q = candidates[k]!;
      budget.left -= q - s + 1;
      if (f.accepts(line, s, q)) out.push(s, q);
      if (endFixed) break;
    }
    if (budget.left < 0) break;
  }
  return out;
}

/** Distinct texts an ambiguous field could hold on some full split, a few at most. */
function spanTexts(f: FieldReader, line: string, starts: number[], ends: number[], pairs: number[] | undefined): string[] {
  const seen = new Set<string>();
  const add = (s: number, e: number) => {
    seen.add(e - s > MAX_ALT_LENGTH ? `${line.slice(s, s + MAX_ALT_LENGTH)}…` : line.slice(s, e));
    return seen.size >= MAX_ALTERNATIVES;
  };
  if (pairs) {
    for (let k = 0; k < pairs.length; k += 2) if (contains(ends, pairs[k + 1]!) && add(pairs[k]!, pairs[k + 1]!)) break;
    return [...seen];
  }
  // Any / token: every start with every end after it (a token's only up to its first blank). Take each start's first
  // two ends, so the list shows both where the field may begin and where it may stop.
  const token = f.rule === SpanRule.NoWhitespace;
  let steps = 0, blank = 0;
  for (const s of starts) {
    if (token) {
      if (blank < s) blank = s;
      while (blank < line.length && !isBlank(line.charCodeAt(blank))) blank++;
    }
    for (let k = lowerBound(ends, s), taken = 0; k < ends.length && taken < 2; k++, taken++) {
      if (++steps > 4096 || (token && ends[k]! > blank)) break;
      if (add(s, ends[k]!)) return [...seen];
    }
  }
  return [...seen];
}
