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
    parse: (line) => {
      try {
        return parser.parse(line);
      } catch (err) {
        return internalError(err);
      }
    },
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
      leaves.push({ path: here, key, reader: one ? readersFor([one])[0] : undefined });
    }
  };
  walk(spec.json, []);
  if (leaves.length === 0) throw new FormatError('json_format holds no command operator', 1);
  return {
    spec,
    keys: leaves.map((l) => l.key),
    operators: leaves.map((l) => l.reader?.token),
    parse: (line) => {
      try {
        return parseJsonLine(line, leaves);
      } catch (err) {
        return internalError(err);
      }
    },
  };
}

/** The engine's promise to its callers: a bad line is a failure result, never an exception. */
function internalError(err: unknown): LineResult {
  return { ok: false, reason: `internal parser error: ${err instanceof Error ? err.message : String(err)}`, column: 1 };
}

function parseJsonLine(line: string, leaves: JsonLeaf[]): LineResult {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}`, column: jsonErrorOffset(line) + 1 };
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
 * Offset of the first character JSON.parse rejects: its messages do not always say ("Unexpected token 'x', … is not
 * valid JSON"). Iterative, so a line of a million `[` cannot overflow the stack.
 */
function jsonErrorOffset(text: string): number {
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const stack: string[] = [];
  let i = 0;
  const skipBlanks = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = (): boolean => {
    for (i++; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) return ++i > 0;
      if (c < 32) return false;
      if (c === 92) {
        const e = text[++i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) return false;
          i += 4;
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) return false;
      }
    }
    return false;
  };
  for (;;) {
    // Expecting a value.
    skipBlanks();
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      skipBlanks();
      if (text[i] === (c === '{' ? '}' : ']')) {
        stack.pop();
        i++;
      } else if (c === '{') {
        if (text[i] !== '"' || !string()) return i;
        skipBlanks();
        if (text[i] !== ':') return i;
        i++;
        continue;
      } else continue;
    } else if (c === '"') {
      if (!string()) return i;
    } else if (c !== undefined && text.startsWith('true', i)) i += 4;
    else if (c !== undefined && text.startsWith('false', i)) i += 5;
    else if (c !== undefined && text.startsWith('null', i)) i += 4;
    else {
      number.lastIndex = i;
      if (!number.test(text)) return i;
      i = number.lastIndex;
    }
    // After a value: close containers or move to the next member.
    for (;;) {
      skipBlanks();
      const top = stack[stack.length - 1];
      if (top === undefined) return i < text.length ? i : text.length;
      const close = top === '{' ? '}' : ']';
      if (text[i] === close) {
        stack.pop();
        i++;
        continue;
      }
      if (text[i] !== ',') return i;
      i++;
      if (top === '{') {
        skipBlanks();
        if (text[i] !== '"' || !string()) return i;
        skipBlanks();
        if (text[i] !== ':') return i;
        i++;
      }
      break;
    }
  }
}
