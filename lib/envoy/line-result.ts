// What parsing one line gives: typed values (some marked ambiguous), or a failure with a reason and a column.
import type { FieldValue } from './field-reader.ts';
import type { ParseFailure } from './text-line-parser.ts';

export type LineResult =
  | { ok: true; values: FieldValue[]; ambiguous?: number[]; alternatives?: string[][] }
  | ParseFailure;

/** The engine's promise to its callers: a bad line is a failure result, never an exception. */
export function guardParse(parse: (line: string) => LineResult): (line: string) => LineResult {
  return (line) => {
    try {
      return parse(line);
    } catch (err) {
      return { ok: false, reason: `internal parser error: ${err instanceof Error ? err.message : String(err)}`, column: 1 };
    }
  };
}
