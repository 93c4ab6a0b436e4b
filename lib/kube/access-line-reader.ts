// Turns one log line of an Envoy container into a record, a count, or a rejection. A container's log mixes Envoy's
// own messages (its application log on stderr) with the access log; those are counted, not stored. A config change
// (hot restart) switches the format mid-stream, so the reader holds several formats and tries the one that read the
// last line first.
import { recordMapper, type AccessRecord, type RecordMapper } from '../envoy/access-record.ts';
import { compileFormat, type CompiledFormat, type FormatSpec } from '../envoy/compile-format.ts';

export type LineVerdict =
  | { kind: 'record'; record: AccessRecord }
  | { kind: 'other' }
  | { kind: 'rejected'; reason: string; column: number | null };

/** `[2025-12-16 09:40:01.234][1][info][main] …`: Envoy's default application-log format. */
const ENVOY_MESSAGE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]\[\d+\]\[(trace|debug|info|warning|warn|error|critical|off)\]/;

/** Envoy announces a (hot) restart this way: the next lines may use a new format. */
const ENVOY_RESTART = /\]\[info\]\[main\] \[[^\]]*\] (initializing epoch \d+|loading bootstrap from)/;

interface Reader {
  key: string;
  format: CompiledFormat;
  mapper: RecordMapper;
}

export function formatKey(spec: FormatSpec): string {
  return spec.type === 'text' ? `text:${spec.text}` : `json:${JSON.stringify(spec.json)}`;
}

export class AccessLineReader {
  private readers: Reader[] = [];

  constructor(specs: FormatSpec[] = []) {
    for (const s of specs) this.add(s);
  }

  /** Adds a format (or moves a known one) to the front: the one tried first. Keeps the last few. */
  add(spec: FormatSpec): void {
    const key = formatKey(spec);
    const known = this.readers.find((r) => r.key === key);
    if (known) {
      this.readers = [known, ...this.readers.filter((r) => r !== known)];
      return;
    }
    const format = compileFormat(spec);
    this.readers = [{ key, format, mapper: recordMapper(format) }, ...this.readers].slice(0, 4);
  }

  get formats(): FormatSpec[] {
    return this.readers.map((r) => r.format.spec);
  }

  /** True when an Envoy message says a new epoch is loading its config. */
  static announcesRestart(text: string): boolean {
    return ENVOY_RESTART.test(text);
  }

  read(text: string): LineVerdict {
    let first: { reason: string; column: number | null } | undefined;
    for (let i = 0; i < this.readers.length; i++) {
      const r = this.readers[i]!;
      const result = r.format.parse(text);
      if (result.ok) {
        if (i > 0) this.readers = [r, ...this.readers.filter((x) => x !== r)];
        return { kind: 'record', record: r.mapper.toRecord(result.values, result.ambiguous, result.alternatives) };
      }
      first ??= { reason: result.reason, column: result.column ?? null };
    }
    if (ENVOY_MESSAGE.test(text)) return { kind: 'other' };
    return { kind: 'rejected', reason: first?.reason ?? 'no access-log format is known for this container', column: first?.column ?? null };
  }
}
