// json_format: one JSON object per line. A key whose value is one operator is read with that operator's type (v3
// json_format is typed: numbers are numbers, missing values null); any other value is kept as text by its key path.
import { parse as parseLenient, type ParseError } from 'jsonc-parser';
import type { CompiledFormat, FormatSpec } from './compile-format.ts';
import { fieldReadersFor, type FieldReader, type FieldValue } from './field-reader.ts';
import { guardParse, type LineResult } from './line-result.ts';
import { FormatError, tokenizeFormat, type OperatorToken } from './format-tokens.ts';

interface JsonLeaf {
  path: string[];
  key: string;
  reader?: FieldReader;
}

const singleOperator = /^%[A-Z0-9_]+(?:\([^)]*\))?(?::[0-9]+)?%$/;

export function compileJson(spec: Extract<FormatSpec, { type: 'json' }>): CompiledFormat {
  const leaves: JsonLeaf[] = [];
  const used = new Set<string>();
  const walk = (node: Record<string, unknown>, path: string[]) => {
    for (const [name, value] of Object.entries(node)) {
      const here = [...path, name];
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        walk(value as Record<string, unknown>, here);
        continue;
      }
      if (typeof value !== 'string') continue; // constants carry no data from the request
      let tokens;
      try {
        tokens = tokenizeFormat(value);
      } catch (err) {
        // The column is within this key's value.
        if (err instanceof FormatError) throw new FormatError(`json_format key ${here.join('.')}: ${err.reason}`, err.column);
        throw err;
      }
      const ops = tokens.filter((t): t is OperatorToken => t.type === 'operator');
      if (ops.length === 0) continue;
      const one = singleOperator.test(value) ? ops[0]! : undefined;
      const key = one && !used.has(one.key) ? one.key : here.join('.');
      used.add(key);
      leaves.push({ path: here, key, reader: one ? fieldReadersFor([one])[0] : undefined });
    }
  };
  walk(spec.json, []);
  if (leaves.length === 0) throw new FormatError('json_format holds no command operator', 1);
  return {
    spec,
    keys: leaves.map((l) => l.key),
    operators: leaves.map((l) => l.reader?.token),
    parse: guardParse((line) => parseJsonLine(line, leaves)),
  };
}

function parseJsonLine(line: string, leaves: JsonLeaf[]): LineResult {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}`, column: jsonErrorColumn(line) };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, reason: 'not a JSON object', column: 1 };
  }
  const values = new Array<FieldValue>(leaves.length);
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    let node: unknown = doc;
    for (const part of leaf.path) {
      node = node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined;
    }
    if (leaf.reader) {
      const value = leaf.reader.readJson(node);
      if (value === null && node !== null && node !== undefined && node !== '-' && node !== '') {
        const column = line.indexOf(JSON.stringify(leaf.path[leaf.path.length - 1])) + 1 || 1;
        return { ok: false, reason: `${leaf.key}: expected ${leaf.reader.expected}, found ${JSON.stringify(node).slice(0, 60)}`, column };
      }
      values[i] = value;
    } else {
      values[i] = node === undefined || node === null ? null : typeof node === 'string' ? node : JSON.stringify(node);
    }
  }
  return { ok: true, values };
}

/**
 * The 1-based column where a line stops being JSON: JSON.parse's messages do not always give a position, so the
 * line is scanned again by a parser that reports error offsets (strict: no comments, no trailing commas).
 */
function jsonErrorColumn(line: string): number {
  const errors: ParseError[] = [];
  try {
    parseLenient(line, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch {
    return 1; // it recurses: a hostile line nested thousands deep overflows the stack, and there is no column to give
  }
  return (errors[0]?.offset ?? 0) + 1;
}
