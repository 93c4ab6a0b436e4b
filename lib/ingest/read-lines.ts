// Reads a byte stream as lines in batches. Hand-written instead of node:readline because readline's per-line events
// cost more than the parser itself (shared/notes/performance.md: 750k vs 2.2M lines/s for chunked reads).
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

export interface LineBatch {
  lines: string[];
  /** Bytes of input consumed so far (whole stream position, not only complete lines). */
  bytesRead: number;
}

/** Lines longer than this are replaced by an empty marker and reported, so one runaway line cannot eat memory. */
export const MAX_LINE_LENGTH = 8 * 1024 * 1024;
export const OVERLONG_LINE = '\u0000overlong';

export async function* readLineBatches(input: Readable, maxLineLength = MAX_LINE_LENGTH): AsyncGenerator<LineBatch> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let overlong = false;
  let bytesRead = 0;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    const text = carry + decoder.write(chunk);
    const lines = text.split('\n');
    carry = lines.pop()!;
    if (overlong && lines.length) {
      lines[0] = OVERLONG_LINE;
      overlong = false;
    }
    if (carry.length > maxLineLength) {
      carry = '';
      overlong = true;
    }
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.length > maxLineLength) lines[i] = OVERLONG_LINE;
      else if (l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
    }
    if (lines.length) yield { lines, bytesRead };
  }
  const last = carry + decoder.end();
  if (overlong) yield { lines: [OVERLONG_LINE], bytesRead };
  else if (last.length) yield { lines: [last.endsWith('\r') ? last.slice(0, -1) : last], bytesRead };
}
