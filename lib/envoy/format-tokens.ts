// Splits an Envoy format string into literal text and command operators, checking each operator the way Envoy does
// at config load (unknown name, missing or stray argument, `:N` where truncation is not allowed).
import { kindOf, operatorInfo, type ValueKind } from './operators.ts';

export interface LiteralToken {
  type: 'literal';
  text: string;
}

export interface OperatorToken {
  type: 'operator';
  name: string;
  arg?: string;
  /** `:N` truncation, in bytes. */
  maxLength?: number;
  /** The operator as written, without its `%` signs: the field's key (`REQ(X-REQUEST-ID):36`). */
  key: string;
  kind: ValueKind;
  /** 1-based column of the opening `%` in the format string. */
  column: number;
}

export type FormatToken = LiteralToken | OperatorToken;

/** A format string Envoy would refuse, with the 1-based column of the offending operator. */
export class FormatError extends Error {
  constructor(
    readonly reason: string,
    readonly column: number,
  ) {
    super(`${reason} (format column ${column})`);
    this.name = 'FormatError';
  }
}

/** Operators whose argument is `HEADER` or `HEADER?ALTERNATIVE`. */
const headerOperators = new Set(['REQ', 'REQUEST_HEADER', 'RESP', 'RESPONSE_HEADER', 'TRAILER', 'RESPONSE_TRAILER',
  'STREAM_INFO_REQ', 'REQ_WITHOUT_QUERY']);

const operatorPattern = /%([A-Z0-9_]+)(?:\(([^)]*)\))?(?::([0-9]+))?%/y;

export function tokenizeFormat(format: string): FormatToken[] {
  const tokens: FormatToken[] = [];
  let literal = '';
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, pct);
    if (format[pct + 1] === '%') {
      literal += '%';
      i = pct + 2;
      continue;
    }
    operatorPattern.lastIndex = pct;
    const m = operatorPattern.exec(format);
    if (!m) {
      const shown = format.slice(pct, pct + 40).split('%').slice(0, 2).join('%');
      throw new FormatError(`not a valid command operator: "${shown}…" (write %% for a literal %)`, pct + 1);
    }
    const [text, name, arg, length] = m as unknown as [string, string, string | undefined, string | undefined];
    if (literal) tokens.push({ type: 'literal', text: literal });
    literal = '';
    tokens.push(checkOperator(name, arg, length, text.slice(1, -1), pct + 1));
    i = pct + text.length;
  }
  if (literal) tokens.push({ type: 'literal', text: literal });
  return tokens;
}

function checkOperator(name: string, arg: string | undefined, length: string | undefined, key: string, column: number): OperatorToken {
  const info = operatorInfo(name);
  if (!info) throw new FormatError(`unknown command operator %${name}%`, column);
  if (info.arg === 'none' && arg !== undefined) throw new FormatError(`%${name}% takes no argument`, column);
  if (info.arg === 'required' && (arg === undefined || arg === '')) {
    throw new FormatError(`%${name}% needs an argument, as in %${name}(…)%`, column);
  }
  if (length !== undefined && !info.truncatable) {
    throw new FormatError(`%${name}% does not accept a :N length`, column);
  }
  if (headerOperators.has(name) && arg !== undefined) {
    const parts = arg.split('?');
    if (parts.length > 2) throw new FormatError(`%${name}(${arg})% has more than one "?" alternative`, column);
    if (parts.some((p) => p === '')) throw new FormatError(`%${name}(${arg})% names an empty header`, column);
  }
  if (name === 'COMMON_DURATION' && !/^[^:]+:[^:]+(:(ms|us|ns))?$/.test(arg ?? '')) {
    throw new FormatError(`%COMMON_DURATION(${arg})% needs START:END[:ms|us|ns]`, column);
  }
  if (name === 'GRPC_STATUS' && arg && !['CAMEL_STRING', 'SNAKE_STRING', 'NUMBER'].includes(arg)) {
    throw new FormatError(`%GRPC_STATUS(${arg})% takes CAMEL_STRING, SNAKE_STRING or NUMBER`, column);
  }
  if (name.endsWith('_WITHOUT_PORT') && arg && !(/^\d{1,3}$/.test(arg) && Number(arg) <= 128)) {
    throw new FormatError(`%${name}(${arg})% takes a mask prefix length (0-128)`, column);
  }
  const token: OperatorToken = { type: 'operator', name, key, kind: kindOf(name, arg || undefined), column };
  // `%START_TIME()%` is the same as `%START_TIME%` for Envoy.
  if (arg) token.arg = arg;
  if (length !== undefined) token.maxLength = Number(length);
  return token;
}

/** A text format as the line parser sees it: the literal before the first operator, then each operator and the literal after it. */
export interface TextLayout {
  prefix: string;
  operators: OperatorToken[];
  /** after[i] is the literal between operator i and the next one (the last one ends the line). */
  after: string[];
}

export function textLayout(format: string): TextLayout {
  let prefix = '';
  const operators: OperatorToken[] = [];
  const after: string[] = [];
  for (const t of tokenizeFormat(format)) {
    if (t.type === 'literal') {
      if (operators.length === 0) prefix = t.text;
      else after[operators.length - 1] = t.text;
    } else {
      operators.push(t);
      after.push('');
    }
  }
  return { prefix, operators, after };
}
