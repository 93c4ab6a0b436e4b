// One line of a pod log read with timestamps=true: the kubelet's RFC3339NanoFixed stamp, a space, the text. A line
// the runtime split into partial records (over 16 KiB) arrives with a stamp inside it at each 16 KiB boundary
// (kubernetes/kubernetes#77603); those are taken out so the access-log line is whole again. A stamp is only looked
// for within the last 3 bytes before the boundary (a record never splits a UTF-8 character), so a client can at
// worst corrupt its own oversized line by forging one there.

export interface KubeletLine {
  /** Stamp of the last record of the line: what watermarks compare. */
  time: string;
  text: string;
  /** Records the line was made of (more than 1 when the runtime split it). */
  records: number;
}

export const CRI_RECORD_BYTES = 16 * 1024;
const STAMP_LENGTH = 30; // 2006-01-02T15:04:05.000000000Z
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

function stampAt(buf: Buffer, at: number): boolean {
  if (at + STAMP_LENGTH + 1 > buf.length || buf[at + STAMP_LENGTH] !== 0x20) return false;
  return STAMP.test(buf.toString('latin1', at, at + STAMP_LENGTH));
}

/** Parses one line of a timestamped log stream; null when it does not start with a kubelet stamp. */
export function parseKubeletLine(line: string, recordBytes = CRI_RECORD_BYTES): KubeletLine | null {
  const space = line.indexOf(' ');
  if (space !== STAMP_LENGTH) return null;
  const time = line.slice(0, STAMP_LENGTH);
  if (!STAMP.test(time)) return null;
  const text = line.slice(STAMP_LENGTH + 1);
  // Fast path: a line that short cannot hold a partial boundary.
  if (text.length < recordBytes / 4 || Buffer.byteLength(text) <= recordBytes) return { time, text, records: 1 };
  let buf = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let last = time;
  let records = 1;
  while (buf.length > recordBytes) {
    let cut = -1;
    for (let at = recordBytes; at >= recordBytes - 3; at--) {
      if (stampAt(buf, at)) {
        cut = at;
        break;
      }
    }
    if (cut < 0) break;
    parts.push(buf.subarray(0, cut));
    last = buf.toString('latin1', cut, cut + STAMP_LENGTH);
    buf = buf.subarray(cut + STAMP_LENGTH + 1);
    records++;
  }
  parts.push(buf);
  return { time: last, text: Buffer.concat(parts).toString('utf8'), records };
}
