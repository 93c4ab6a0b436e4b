// Compiles an access-log format (text_format / text_format_source / json_format / Envoy's default) into a line
// parser. Compile once per format; `parse` never throws.
import { fieldReader, type FieldReader, type FieldValue } from './field-reader.ts';
import { FormatError, tokenizeFormat, type OperatorToken } from './format-tokens.ts';
import { TextLineParser, type ParseFailure } from './text-line-parser.ts';
import { TimePatternError } from './time-pattern.ts';

export type FormatSpec = { type: 'text'; text: string } | { type: 'json'; json: Record<string, unknown> };

export type LineResult =
  | { ok: true; values: FieldValue[]; ambiguous?: number[]; alternatives?: string[][] }
  | ParseFailure;

export interface CompiledFormat {
  spec: FormatSpec;
  /** Field keys in order: the operator as written (`REQ(:METHOD)`), or a JSON key path for mixed json values. */
  keys: string[];
  /** The operator behind each key; undefined for a json_format value mixing text and operators. */
  operators: (OperatorToken | undefined)[];
  parse(line: string): LineResult;
}

export function compileFormat(spec: FormatSpec): CompiledFormat {
  return spec.type === 'text' ? compileText(spec) : compileJson(spec);
}

function toFormatError(err: unknown, column: number): never {
  if (err instanceof TimePatternError) throw new FormatError(err.message, column);
  throw err;
}

function readersFor(tokens: OperatorToken[]): FieldReader[] {
  return tokens.map((t) => {
    try {
      return fieldReader(t);
    } catch (err) {
      return toFormatError(err, t.column);
    }
  });
}

function compileText(spec: { type: 'text'; text: string }): CompiledFormat {
  let text = spec.text;
  if (text.endsWith('\n')) text = text.slice(0, -1);
  const newline = text.indexOf('\n');
  if (newline >= 0) throw new FormatError('a newline inside the format would split one record over several lines', newline + 1);
  const tokens = tokenizeFormat(text);
  let prefix = '';
  const operators: OperatorToken[] = [];
  const after: string[] = [];
  for (const t of tokens) {
    if (t.type === 'literal') {
      if (operators.length === 0) prefix = t.text;
      else after[operators.length - 1] = t.text;
    } else {
      operators.push(t);
      after.push('');
    }
  }
  const parser = new TextLineParser(prefix, readersFor(operators), after);
  return {
    spec,
    keys: operators.map((o) => o.key),
    operators,
    parse: (line) => parser.parse(line),
  };
}

interface JsonLeaf {
  path: string[];
  key: string;
  reader?: FieldReader;
}

const singleOperator = /^%[A-Z0-9_]+(?:\([^)]*\))?(?::[0-9]+)?%$/;

function compileJson(spec: { type: 'json'; json: Record<string, unknown> }): CompiledFormat {
  const leaves: JsonLeaf[] = [];
  const used = new Set<string>();
  let column = 1;
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
        if (err instanceof FormatError) throw new FormatError(`json_format key ${here.join('.')}: ${err.reason}`, err.column);
        throw err;
      }
      const ops = tokens.filter((t): t is OperatorToken => t.type === 'operator');
      if (ops.length === 0) continue;
      const one = singleOperator.test(value) ? ops[0]! : undefined;
      const key = one && !used.has(one.key) ? one.key : here.join('.');
      used.add(key);
      leaves.push({ path: here, key, reader: one ? readersFor([one])[0] : undefined });
      column += value.length;
    }
  };
  walk(spec.json, []);
  if (leaves.length === 0) throw new FormatError('json_format holds no command operator', column);
  return {
    spec,
    keys: leaves.map((l) => l.key),
    operators: leaves.map((l) => l.reader?.token),
    parse: (line) => parseJsonLine(line, leaves),
  };
}

function parseJsonLine(line: string, leaves: JsonLeaf[]): LineResult {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (err) {
    const at = /position (\d+)/.exec(String((err as Error).message));
    return { ok: false, reason: `not JSON: ${(err as Error).message}`, column: at ? Number(at[1]) + 1 : 1 };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, reason: 'not a JSON object', column: 1 };
  }
  const values = new Array<FieldValue>(leaves.length);
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    let node: unknown = doc;
    for (const part of leaf.path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    if (leaf.reader) {
      const value = leaf.reader.readJson(node);
      if (value === null && node !== null && node !== undefined && node !== '-' && node !== '') {
        return { ok: false, reason: `${leaf.key}: expected ${leaf.reader.expected}, found ${JSON.stringify(node).slice(0, 60)}`, column: 1 };
      }
      values[i] = value;
    } else {
      values[i] = node === undefined || node === null ? null : typeof node === 'string' ? node : JSON.stringify(node);
    }
  }
  return { ok: true, values };
}
