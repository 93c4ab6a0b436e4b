// Reads timestamps written by Envoy's START_TIME formatter: strftime specifiers (UTC) plus Envoy's `%s` (epoch
// seconds), `%f` (9 fraction digits) and `%1f`…`%9f`, and absl's `%E3S`-style seconds with a fraction.
import type { Instant } from './instant.ts';

export interface TimePattern {
  /** The strftime pattern this reads. */
  pattern: string;
  /** Longest text it can match; bounds the parser's search. */
  maxLength: number;
  /** Parses line[start, end) as a whole; null when it is not a valid time in this pattern. */
  parseAt(line: string, start: number, end: number): Instant | null;
}

export class TimePatternError extends Error {}

/** Envoy's START_TIME with no argument: `2016-04-15T20:17:00.310Z`. */
export const DEFAULT_TIME_PATTERN = '%Y-%m-%dT%H:%M:%S.%3fZ';

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

type Field = 'Y' | 'y' | 'm' | 'd' | 'H' | 'I' | 'M' | 'S' | 'j' | 'b' | 'p' | 'z' | 's' | 'frac' | 'skip';
interface Piece {
  re: string;
  field: Field;
  len: number;
}

const digits = (n: number, field: Field): Piece => ({ re: `(\\d{${n}})`, field, len: n });

function expand(spec: string): string | undefined {
  return { T: '%H:%M:%S', F: '%Y-%m-%d', D: '%m/%d/%y', R: '%H:%M', r: '%I:%M:%S %p', c: '%a %b %e %H:%M:%S %Y' }[spec];
}

function pieceFor(spec: string, fracDigits: number | undefined): Piece {
  if (fracDigits !== undefined) return { re: `(\\d{${fracDigits}})`, field: 'frac', len: fracDigits };
  switch (spec) {
    case 'Y': return { re: '(\\d{4,5})', field: 'Y', len: 5 };
    case 'y': return digits(2, 'y');
    case 'm': return digits(2, 'm');
    case 'd': return digits(2, 'd');
    case 'e': return { re: '( ?\\d{1,2})', field: 'd', len: 2 };
    case 'H': return digits(2, 'H');
    case 'I': return digits(2, 'I');
    case 'M': return digits(2, 'M');
    case 'S': return digits(2, 'S');
    case 'j': return digits(3, 'j');
    case 'b': case 'h': return { re: '([A-Za-z]{3})', field: 'b', len: 3 };
    case 'B': return { re: '([A-Za-z]{3,9})', field: 'b', len: 9 };
    case 'a': return { re: '(?:[A-Za-z]{3})', field: 'skip', len: 3 };
    case 'A': return { re: '(?:[A-Za-z]{6,9})', field: 'skip', len: 9 };
    case 'u': case 'w': return { re: '(?:\\d)', field: 'skip', len: 1 };
    case 'p': return { re: '(AM|PM|am|pm)', field: 'p', len: 2 };
    case 'z': return { re: '([+-]\\d{2}:?\\d{2}|Z)', field: 'z', len: 6 };
    case 'Z': return { re: '(?:UTC|GMT|Z)', field: 'skip', len: 3 };
    case 's': return { re: '(\\d{1,12})', field: 's', len: 12 };
    case 'f': return digits(9, 'frac');
    case 't': return { re: '\\t', field: 'skip', len: 1 };
    case '%': return { re: '%', field: 'skip', len: 1 };
    default: throw new TimePatternError(`unsupported time specifier %${spec}`);
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileTimePattern(pattern: string): TimePattern {
  if (pattern === DEFAULT_TIME_PATTERN) return defaultPattern;
  const pieces: Piece[] = [];
  let source = '';
  const push = (p: Piece) => {
    pieces.push(p);
    source += p.re;
  };
  let maxLength = 0;
  const walk = (pat: string) => {
    for (let i = 0; i < pat.length; i++) {
      const c = pat[i]!;
      if (c !== '%') {
        source += escapeRe(c);
        maxLength += c.length;
        continue;
      }
      let spec = pat[++i];
      if (spec === undefined) throw new TimePatternError('pattern ends with a lone %');
      if (spec === 'n') throw new TimePatternError('%n (newline) is not allowed in a time pattern');
      let frac: number | undefined;
      if (spec >= '1' && spec <= '9' && pat[i + 1] === 'f') {
        frac = Number(spec);
        spec = pat[++i]!;
      } else if (spec === 'E') {
        // absl: %E#S / %E*S = seconds with # (or any) fraction digits; %E4Y = four-digit year.
        const m = /^E(\d|\*)S|^E4Y/.exec(pat.slice(i));
        if (!m) throw new TimePatternError(`unsupported time specifier %${pat.slice(i, i + 3)}`);
        i += m[0].length - 1;
        if (m[0] === 'E4Y') push(digits(4, 'Y'));
        else {
          push(digits(2, 'S'));
          const n = m[1] === '*' ? undefined : Number(m[1]);
          if (n === undefined) push({ re: '(?:\\.(\\d{1,15}))?', field: 'frac', len: 16 });
          else if (n > 0) {
            source += '\\.';
            push({ re: `(\\d{${n}})`, field: 'frac', len: n });
          }
        }
        maxLength += 19;
        continue;
      }
      const expansion = expand(spec);
      if (expansion) {
        walk(expansion);
        continue;
      }
      const piece = pieceFor(spec, frac);
      maxLength += piece.len;
      push(piece);
    }
  };
  walk(pattern);
  // Pieces marked 'skip' are non-capturing; every other piece has exactly one capture group, in order.
  const fields = pieces.filter((p) => p.field !== 'skip').map((p) => p.field);
  const regex = new RegExp(source, 'y');
  return {
    pattern,
    maxLength,
    parseAt(line, start, end) {
      regex.lastIndex = start;
      const m = regex.exec(line);
      if (!m || regex.lastIndex !== end) return null;
      return toInstant(fields, m);
    },
  };
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
      case 'H': H = Number(v); break;
      case 'I': H = Number(v) % 12; break;
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
  else {
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || H > 23 || Mi > 59 || S > 60) return null;
    if (yday !== undefined) ms = Date.UTC(Y, 0, 1, H, Mi, S) + (yday - 1) * 86_400_000;
    else {
      ms = Date.UTC(Y, mo - 1, d, H, Mi, S);
      if (new Date(ms).getUTCDate() !== d && S < 60) return null; // 31 February and the like
    }
    ms -= offsetMin * 60_000;
  }
  if (fracNs === undefined) return { ms };
  ms += Math.floor(fracNs / 1_000_000);
  return fracDigits > 3 ? { ms, subMsNanos: fracNs % 1_000_000 } : { ms };
}

// Hot path: Envoy's default START_TIME is on nearly every line, and Date.parse costs about 30% of a line's parse
// time (shared/notes/performance.md). Read the digits by hand and cache the epoch of the current minute.
let cachedMinuteKey = '';
let cachedMinuteMs = 0;

const defaultPattern: TimePattern = {
  pattern: DEFAULT_TIME_PATTERN,
  maxLength: 24,
  parseAt(line, start, end) {
    // YYYY-MM-DDTHH:MM:SS.mmmZ
    if (end - start !== 24 || line.charCodeAt(start + 23) !== 90 /* Z */) return null;
    if (line.charCodeAt(start + 19) !== 46 /* . */ || line.charCodeAt(start + 16) !== 58 /* : */) return null;
    let minuteMs: number;
    const minuteKey = line.slice(start, start + 16);
    if (minuteKey === cachedMinuteKey) minuteMs = cachedMinuteMs;
    else {
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(minuteKey)) return null;
      const Y = Number(minuteKey.slice(0, 4)), mo = Number(minuteKey.slice(5, 7)), d = Number(minuteKey.slice(8, 10));
      const H = Number(minuteKey.slice(11, 13)), Mi = Number(minuteKey.slice(14, 16));
      if (mo < 1 || mo > 12 || d < 1 || H > 23 || Mi > 59) return null;
      minuteMs = Date.UTC(Y, mo - 1, d, H, Mi);
      if (new Date(minuteMs).getUTCDate() !== d) return null;
      cachedMinuteKey = minuteKey;
      cachedMinuteMs = minuteMs;
    }
    let rest = 0;
    for (const [offset, weight] of restDigits) {
      const c = line.charCodeAt(start + offset) - 48;
      if (c < 0 || c > 9) return null;
      rest += c * weight;
    }
    if (rest >= 61_000) return null;
    return { ms: minuteMs + rest };
  },
};
/** Offsets of S S . m m m within the default timestamp, with their weight in milliseconds. */
const restDigits: [number, number][] = [[17, 10_000], [18, 1000], [20, 100], [21, 10], [22, 1]];
