// Reads timestamps written by Envoy's START_TIME formatter: strftime specifiers (UTC) plus Envoy's `%s` (epoch
// seconds), `%f` (9 fraction digits) and `%1f`…`%9f`, and absl's `%E#S` / `%E*S` seconds with a fraction.
import type { Instant } from './instant.ts';

export interface TimePattern {
  /** The strftime pattern this reads. */
  pattern: string;
  /** Longest text it can match; bounds the parser's search. */
  maxLength: number;
  /** Parses line[start, end) as a whole; null when it is not a valid time in this pattern. */
  parseAt(line: string, start: number, end: number): Instant | null;
  /** Whether the character may appear in a time this pattern writes (the parser's split search uses it). */
  canContain(charCode: number): boolean;
}

export class TimePatternError extends Error {}

/** Envoy's START_TIME with no argument (absl `%Y-%m-%dT%H:%M:%E3SZ`): `2016-04-15T20:17:00.310Z`. */
export const DEFAULT_TIME_PATTERN = '%Y-%m-%dT%H:%M:%S.%3fZ';
/** The `_LOCAL` operators' default: local time with its offset, `2016-04-15T22:17:00.310+0200`. */
export const DEFAULT_LOCAL_TIME_PATTERN = '%Y-%m-%dT%H:%M:%S.%3f%z';

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

type Field = 'Y' | 'y' | 'm' | 'd' | 'H' | 'I' | 'M' | 'S' | 'j' | 'b' | 'p' | 'z' | 's' | 'frac' | 'skip';
/** What a piece's text may be made of, for `canContain`. */
type Charset = 'digits' | 'letters' | 'space-digits' | 'offset';
interface Piece {
  re: string;
  field: Field;
  len: number;
  chars: Charset;
}

const digits = (n: number, field: Field): Piece => ({ re: `(\\d{${n}})`, field, len: n, chars: 'digits' });

function expand(spec: string): string | undefined {
  return { T: '%H:%M:%S', F: '%Y-%m-%d', D: '%m/%d/%y', R: '%H:%M', r: '%I:%M:%S %p', c: '%a %b %e %H:%M:%S %Y' }[spec];
}

function pieceFor(spec: string, fracDigits: number | undefined): Piece {
  if (fracDigits !== undefined) return digits(fracDigits, 'frac');
  switch (spec) {
    case 'Y': return { re: '(\\d{4,5})', field: 'Y', len: 5, chars: 'digits' };
    case 'y': return digits(2, 'y');
    case 'C': return { re: '(?:\\d{2})', field: 'skip', len: 2, chars: 'digits' };
    case 'm': return digits(2, 'm');
    case 'd': return digits(2, 'd');
    case 'e': return { re: '( \\d|\\d{2})', field: 'd', len: 2, chars: 'space-digits' };
    case 'H': return digits(2, 'H');
    case 'k': return { re: '( \\d|\\d{2})', field: 'H', len: 2, chars: 'space-digits' };
    case 'I': return digits(2, 'I');
    case 'l': return { re: '( \\d|\\d{2})', field: 'I', len: 2, chars: 'space-digits' };
    case 'M': return digits(2, 'M');
    case 'S': return digits(2, 'S');
    case 'j': return digits(3, 'j');
    case 'U': case 'W': case 'V': return { re: '(?:\\d{2})', field: 'skip', len: 2, chars: 'digits' };
    case 'G': return { re: '(?:\\d{4,5})', field: 'skip', len: 5, chars: 'digits' };
    case 'g': return { re: '(?:\\d{2})', field: 'skip', len: 2, chars: 'digits' };
    case 'b': case 'h': return { re: '([A-Za-z]{3})', field: 'b', len: 3, chars: 'letters' };
    case 'B': return { re: '([A-Za-z]{3,9})', field: 'b', len: 9, chars: 'letters' };
    case 'a': return { re: '(?:[A-Za-z]{3})', field: 'skip', len: 3, chars: 'letters' };
    case 'A': return { re: '(?:[A-Za-z]{6,9})', field: 'skip', len: 9, chars: 'letters' };
    case 'u': case 'w': return { re: '(?:\\d)', field: 'skip', len: 1, chars: 'digits' };
    case 'p': return { re: '(AM|PM|am|pm)', field: 'p', len: 2, chars: 'letters' };
    case 'z': return { re: '([+-]\\d{2}:?\\d{2}|Z)', field: 'z', len: 6, chars: 'offset' };
    case 'Z': return { re: '(?:[A-Za-z]{1,5})', field: 'skip', len: 5, chars: 'letters' };
    case 's': return { re: '(\\d{1,12})', field: 's', len: 12, chars: 'digits' };
    case 'f': return digits(9, 'frac');
    default: throw new TimePatternError(`unsupported time specifier %${spec}`);
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function charsetAllows(set: Charset, c: number): boolean {
  switch (set) {
    case 'digits': return isDigit(c);
    case 'letters': return isLetter(c);
    case 'space-digits': return c === 32 || isDigit(c);
    case 'offset': return isDigit(c) || c === 43 || c === 45 || c === 58 || c === 90; // + - : Z
  }
}

export function compileTimePattern(pattern: string): TimePattern {
  if (pattern === DEFAULT_TIME_PATTERN) return defaultPattern;
  const pieces: Piece[] = [];
  const literalChars = new Set<number>();
  let source = '';
  let maxLength = 0;
  const push = (p: Piece) => {
    pieces.push(p);
    source += p.re;
    maxLength += p.len;
  };
  const literal = (text: string) => {
    source += escapeRe(text);
    maxLength += text.length;
    for (let k = 0; k < text.length; k++) literalChars.add(text.charCodeAt(k));
  };
  const walk = (pat: string) => {
    for (let i = 0; i < pat.length; i++) {
      const c = pat[i]!;
      if (c !== '%') {
        literal(c);
        continue;
      }
      let spec = pat[++i];
      if (spec === undefined) throw new TimePatternError('pattern ends with a lone %');
      if (spec === 'n') throw new TimePatternError('%n (newline) is not allowed in a time pattern');
      if (spec === '%') {
        literal('%');
        continue;
      }
      if (spec === 't') {
        literal('\t');
        continue;
      }
      let frac: number | undefined;
      if (spec >= '1' && spec <= '9' && pat[i + 1] === 'f') {
        frac = Number(spec);
        spec = pat[++i]!;
      } else if (spec === 'E') {
        // absl: %E#S / %E*S = seconds with # (or any) fraction digits; %E4Y = four-digit year; %Ez = +hh:mm.
        const m = /^E(\d|\*)S|^E4Y|^E\*?z/.exec(pat.slice(i));
        if (!m) throw new TimePatternError(`unsupported time specifier %${pat.slice(i, i + 3)}`);
        i += m[0].length - 1;
        if (m[0] === 'E4Y') push(digits(4, 'Y'));
        else if (m[0].endsWith('z')) push(pieceFor('z', undefined));
        else {
          push(digits(2, 'S'));
          if (m[1] === '*') {
            push({ re: '(?:\\.(\\d{1,15}))?', field: 'frac', len: 16, chars: 'digits' });
            literalChars.add(46); // the optional '.'
          }
          else if (Number(m[1]) > 0) {
            literal('.');
            push(digits(Number(m[1]), 'frac'));
          }
        }
        continue;
      }
      const expansion = expand(spec);
      if (expansion) {
        walk(expansion);
        continue;
      }
      push(pieceFor(spec, frac));
    }
  };
  walk(pattern);
  // Pieces marked 'skip' are non-capturing; every other piece has exactly one capture group, in order.
  const fields = pieces.filter((p) => p.field !== 'skip').map((p) => p.field);
  const charsets = [...new Set(pieces.map((p) => p.chars))];
  // Matched against the slice so the whole of line[start, end) must match (a sticky regex would accept the first
  // match and give up, even when a different backtrack would have ended exactly at `end`).
  const regex = new RegExp(`^(?:${source})$`);
  return {
    pattern,
    maxLength,
    parseAt(line, start, end) {
      if (end - start > maxLength || end < start) return null;
      const m = regex.exec(line.slice(start, end));
      return m ? toInstant(fields, m) : null;
    },
    canContain: (c) => literalChars.has(c) || charsets.some((set) => charsetAllows(set, c)),
  };
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil; exact for any year). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Epoch ms of a UTC calendar time, or NaN when the date does not exist. Second 60 (a leap second) is allowed. */
function utcMs(Y: number, mo: number, d: number, H: number, Mi: number, S: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(Y, mo) || H > 23 || Mi > 59 || S > 60) return NaN;
  return ((daysFromCivil(Y, mo, d) * 24 + H) * 60 + Mi) * 60_000 + S * 1000;
}

function toInstant(fields: Field[], m: RegExpExecArray): Instant | null {
  let Y = 1970, mo = 1, d = 1, H = 0, Mi = 0, S = 0, pm: boolean | undefined, yday: number | undefined;
  let epochS: number | undefined, fracNs: number | undefined, fracDigits = 0, offsetMin = 0;
  for (let k = 0; k < fields.length; k++) {
    const v = m[k + 1];
    if (v === undefined) continue;
    switch (fields[k]) {
      case 'Y': Y = Number(v); break;
      case 'y': Y = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0); break;
      case 'm': mo = Number(v); break;
      case 'd': d = Number(v.trim()); break;
      case 'H': H = Number(v.trim()); break;
      case 'I': H = Number(v.trim()) % 12; break;
      case 'M': Mi = Number(v); break;
      case 'S': S = Number(v); break;
      case 'j': yday = Number(v); break;
      case 'b': {
        const idx = monthNames.indexOf(v.slice(0, 3).toLowerCase());
        if (idx < 0) return null;
        mo = idx + 1;
        break;
      }
      case 'p': pm = v.toUpperCase() === 'PM'; break;
      case 'z': {
        if (v !== 'Z') {
          const sign = v[0] === '-' ? -1 : 1;
          const hhmm = v.slice(1).replace(':', '');
          offsetMin = sign * (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(2)));
        }
        break;
      }
      case 's': epochS = Number(v); break;
      case 'frac': fracDigits = v.length; fracNs = Number((v + '000000000').slice(0, 9)); break;
    }
  }
  if (pm !== undefined) H = (H % 12) + (pm ? 12 : 0);
  let ms: number;
  if (epochS !== undefined) ms = epochS * 1000;
  else if (yday !== undefined) {
    const daysInYear = daysInMonth(Y, 2) === 29 ? 366 : 365;
    if (yday < 1 || yday > daysInYear) return null;
    ms = utcMs(Y, 1, 1, H, Mi, S) + (yday - 1) * 86_400_000;
  } else ms = utcMs(Y, mo, d, H, Mi, S);
  if (Number.isNaN(ms)) return null;
  ms -= offsetMin * 60_000;
  if (fracNs === undefined) return { ms };
  ms += Math.floor(fracNs / 1_000_000);
  return fracDigits > 3 ? { ms, subMsNanos: fracNs % 1_000_000 } : { ms };
}

// Hot path: Envoy's default START_TIME is on nearly every line, and Date.parse costs about 30% of a line's parse
// time (shared/notes/performance.md). Read the digits by hand and cache the epoch of the current minute. The cache
// is keyed by the minute's exact text, which was validated before it was cached, so it is a pure memo: sharing it
// between formats or interleaving lines of different minutes only costs a miss.
// Seeded with a true entry, so even the first lookup can only return the right value.
let cachedMinuteText = '1970-01-01T00:00';
let cachedMinuteMs = 0;

/** The two-digit number at line[i, i+2), or -1. */
function twoDigits(line: string, i: number): number {
  const a = line.charCodeAt(i) - 48, b = line.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Epoch ms of the minute `YYYY-MM-DDTHH:MM` at line[start, start+16), or NaN. */
function minuteMs(line: string, start: number): number {
  if (line.startsWith(cachedMinuteText, start)) return cachedMinuteMs;
  const hi = twoDigits(line, start), lo = twoDigits(line, start + 2);
  const mo = twoDigits(line, start + 5), d = twoDigits(line, start + 8);
  const H = twoDigits(line, start + 11), Mi = twoDigits(line, start + 14);
  if ((hi | lo | mo | d | H | Mi) < 0) return NaN;
  if (line.charCodeAt(start + 4) !== 45 || line.charCodeAt(start + 7) !== 45 || line.charCodeAt(start + 10) !== 84 ||
    line.charCodeAt(start + 13) !== 58) return NaN;
  const ms = utcMs(hi * 100 + lo, mo, d, H, Mi, 0);
  if (Number.isNaN(ms)) return NaN;
  cachedMinuteText = line.slice(start, start + 16);
  cachedMinuteMs = ms;
  return ms;
}

const defaultChars = new Set([...'0123456789-T:.Z'].map((c) => c.charCodeAt(0)));

const defaultPattern: TimePattern = {
  pattern: DEFAULT_TIME_PATTERN,
  maxLength: 24,
  parseAt(line, start, end) {
    // YYYY-MM-DDTHH:MM:SS.mmmZ
    if (end - start !== 24 || line.charCodeAt(start + 23) !== 90 /* Z */) return null;
    if (line.charCodeAt(start + 16) !== 58 /* : */ || line.charCodeAt(start + 19) !== 46 /* . */) return null;
    const seconds = twoDigits(line, start + 17);
    const msHi = twoDigits(line, start + 20), msLo = line.charCodeAt(start + 22) - 48;
    if (seconds < 0 || seconds > 60 || msHi < 0 || msLo < 0 || msLo > 9) return null;
    const minute = minuteMs(line, start);
    if (Number.isNaN(minute)) return null;
    return { ms: minute + seconds * 1000 + msHi * 10 + msLo };
  },
  canContain: (c) => defaultChars.has(c),
};
