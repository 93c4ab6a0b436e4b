// Writes a START_TIME value the way Envoy's SystemTimeFormatter does: strftime specifiers in UTC plus Envoy's own
// `%s` (epoch seconds), `%f` (9 fraction digits) and `%1f`…`%9f`, and absl's `%E#S` / `%E*S` / `%E4Y` / `%Ez`.
// The reader side is lib/envoy/time-pattern.ts; this is its inverse for the simulator.

const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];

const pad = (n: number, width: number, fill = '0') => String(n).padStart(width, fill);

/** A moment: epoch milliseconds plus nanoseconds within that millisecond (0..999999). */
export interface TimeOfRequest {
  ms: number;
  subMsNanos?: number;
}

/** The 9-digit fraction of the second: milliseconds then the sub-millisecond nanoseconds. */
function nineDigits(t: TimeOfRequest): string {
  const msPart = ((t.ms % 1000) + 1000) % 1000;
  return pad(msPart, 3) + pad(t.subMsNanos ?? 0, 6);
}

/** Envoy's default START_TIME form: `2016-04-15T20:17:00.310Z`. */
export function defaultStartTime(t: TimeOfRequest): string {
  return new Date(t.ms).toISOString();
}

export function formatStartTime(pattern: string, t: TimeOfRequest): string {
  const d = new Date(t.ms);
  const Y = d.getUTCFullYear(), m = d.getUTCMonth(), day = d.getUTCDate();
  const H = d.getUTCHours(), M = d.getUTCMinutes(), S = d.getUTCSeconds(), wd = d.getUTCDay();
  const I = H % 12 === 0 ? 12 : H % 12;
  const yday = Math.floor((Date.UTC(Y, m, day) - Date.UTC(Y, 0, 1)) / 86_400_000) + 1;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const spec = pattern[++i];
    if (spec === undefined) {
      out += '%';
      break;
    }
    if (spec >= '1' && spec <= '9' && pattern[i + 1] === 'f') {
      out += nineDigits(t).slice(0, Number(spec));
      i++;
      continue;
    }
    if (spec === 'E') {
      const rest = pattern.slice(i);
      const e = /^E(\d|\*)S|^E4Y|^E\*?z/.exec(rest);
      if (!e) {
        out += '%E';
        continue;
      }
      i += e[0].length - 1;
      if (e[0] === 'E4Y') out += pad(Y, 4);
      else if (e[0].endsWith('z')) out += '+00:00';
      else if (e[1] === '*') out += pad(S, 2) + (nineDigits(t).replace(/0+$/, '') ? '.' + nineDigits(t).replace(/0+$/, '') : '');
      else out += pad(S, 2) + (Number(e[1]) > 0 ? '.' + nineDigits(t).slice(0, Number(e[1])) : '');
      continue;
    }
    out += one(spec);
  }
  return out;

  function one(spec: string): string {
    switch (spec) {
      case 'Y': return pad(Y, 4);
      case 'y': return pad(Y % 100, 2);
      case 'C': return pad(Math.floor(Y / 100), 2);
      case 'm': return pad(m + 1, 2);
      case 'd': return pad(day, 2);
      case 'e': return pad(day, 2, ' ');
      case 'H': return pad(H, 2);
      case 'k': return pad(H, 2, ' ');
      case 'I': return pad(I, 2);
      case 'l': return pad(I, 2, ' ');
      case 'M': return pad(M, 2);
      case 'S': return pad(S, 2);
      case 'j': return pad(yday, 3);
      case 'b': case 'h': return monthNames[m]!.slice(0, 3);
      case 'B': return monthNames[m]!;
      case 'a': return dayNames[wd]!.slice(0, 3);
      case 'A': return dayNames[wd]!;
      case 'u': return String(wd === 0 ? 7 : wd);
      case 'w': return String(wd);
      case 'p': return H < 12 ? 'AM' : 'PM';
      case 'z': return '+0000';
      case 'Z': return 'UTC';
      case 's': return String(Math.floor(t.ms / 1000));
      case 'f': return nineDigits(t);
      case 'T': return `${pad(H, 2)}:${pad(M, 2)}:${pad(S, 2)}`;
      case 'F': return `${pad(Y, 4)}-${pad(m + 1, 2)}-${pad(day, 2)}`;
      case 'D': return `${pad(m + 1, 2)}/${pad(day, 2)}/${pad(Y % 100, 2)}`;
      case 'R': return `${pad(H, 2)}:${pad(M, 2)}`;
      case 'r': return `${pad(I, 2)}:${pad(M, 2)}:${pad(S, 2)} ${H < 12 ? 'AM' : 'PM'}`;
      case 'c': return `${dayNames[wd]!.slice(0, 3)} ${monthNames[m]!.slice(0, 3)} ${pad(day, 2, ' ')} ${pad(H, 2)}:${pad(M, 2)}:${pad(S, 2)} ${Y}`;
      case 't': return '\t';
      case '%': return '%';
      // Week numbers are rare in access logs; print a fixed-width placeholder rather than invent a calendar.
      case 'U': case 'W': case 'V': case 'g': return '00';
      case 'G': return pad(Y, 4);
      default: return `%${spec}`;
    }
  }
}
