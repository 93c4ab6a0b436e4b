// envoy-lens parse: one NDJSON object per input line, for scripts and for checking a format against real lines.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { CompiledFormat, LineResult } from '../envoy/compile-format.ts';
import type { FieldValue } from '../envoy/field-reader.ts';
import { instantToIso, isInstant } from '../envoy/instant.ts';
import { OVERLONG_LINE, readLineBatches } from '../ingest/read-lines.ts';
import { BufferedWriter } from './buffered-writer.ts';

export function outputValue(v: FieldValue): string | number | null {
  return isInstant(v) ? instantToIso(v) : v;
}

export function lineToJson(format: CompiledFormat, lineNo: number, result: LineResult): string {
  if (!result.ok) return JSON.stringify({ line: lineNo, ok: false, error: `${result.reason} (column ${result.column})`, column: result.column });
  const fields: Record<string, string | number | null> = {};
  const { keys } = format;
  for (let i = 0; i < keys.length; i++) fields[keys[i]!] = outputValue(result.values[i]!);
  if (!result.ambiguous) return JSON.stringify({ line: lineNo, ok: true, fields });
  const alternatives: Record<string, string[]> = {};
  result.ambiguous.forEach((i, k) => (alternatives[keys[i]!] = result.alternatives?.[k] ?? []));
  return JSON.stringify({ line: lineNo, ok: true, fields, ambiguous: result.ambiguous.map((i) => keys[i]!), alternatives });
}

export async function runParse(format: CompiledFormat, files: string[], out: NodeJS.WritableStream): Promise<void> {
  const writer = new BufferedWriter(out);
  const inputs: (() => Readable)[] = files.length
    ? files.map((f) => () => createReadStream(f, { highWaterMark: 1 << 16 }))
    : [() => process.stdin];
  let lineNo = 0;
  for (const open of inputs) {
    for await (const batch of readLineBatches(open())) {
      for (const line of batch.lines) {
        lineNo++;
        const result: LineResult = line === OVERLONG_LINE
          ? { ok: false, reason: 'line longer than the 8 MiB limit', column: 1 }
          : format.parse(line);
        const pending = writer.write(lineToJson(format, lineNo, result) + '\n');
        if (pending) await pending;
      }
    }
  }
  await writer.end();
}
