// Splits streamed chunks into lines as they arrive. What follows the last newline is kept until more arrives: at the
// end of the stream the caller decides whether that tail is a line (a stopped container's last line without a
// newline) or a cut (a connection dropped in the middle of a line).
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  /** The complete lines in this chunk (with what was held from the previous ones). */
  push(chunk: Buffer | string): string[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const out: string[] = [];
    let start = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
    this.rest = text.slice(start);
    return out;
  }

  /** What is left after the last newline; the splitter is empty afterwards. */
  end(): string {
    const tail = this.rest + this.decoder.end();
    this.rest = '';
    return tail;
  }

  /** Bytes-ish size of the held tail, to bound memory against a peer that never sends a newline. */
  get pending(): number {
    return this.rest.length;
  }
}
