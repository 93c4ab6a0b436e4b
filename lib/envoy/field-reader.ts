// One field of a format: which spans of a line it may cover, and the typed value of a span.
import { FormatError, type OperatorToken } from './format-tokens.ts';
import type { Instant } from './instant.ts';
import { isValidAddress, isValidIp } from './address.ts';
import {
  compileTimePattern, DEFAULT_LOCAL_TIME_PATTERN, DEFAULT_TIME_PATTERN, TimePatternError, type TimePattern,
} from './time-pattern.ts';

export type FieldValue = string | number | Instant | null;

/** How the parser may search for a field's end: see the text parser. */
export const enum SpanRule {
  /** Anything, any length (headers, free text): every occurrence of the next literal is a possible end. */
  Any,
  /** No space or tab, any length: once a value holds a blank, every longer one does too. */
  NoWhitespace,
  /** At most `maxLength` characters, checked by `accepts`. */
  Bounded,
}

/** What `value` returns for a span that is not a value of the field. */
export const NOT_A_VALUE: unique symbol = Symbol('not a value');

/**
 * Fields the parser's hot path reads inline instead of calling the reader: free text (anything), tokens (no blank)
 * and unsigned numbers. Everything else goes through `value`.
 */
export const enum InlineShape {
  None,
  Text,
  Token,
  UnsignedNumber,
}

export interface FieldReader {
  key: string;
  token: OperatorToken;
  rule: SpanRule;
  maxLength: number;
  inline: InlineShape;
  /** Whether line[start, end) is a value of this field. */
  accepts(line: string, start: number, end: number): boolean;
  /** The typed value of line[start, end), which `accepts` allowed. */
  read(line: string, start: number, end: number): FieldValue;
  /** `accepts` and `read` in one: the typed value, or NOT_A_VALUE. */
  value(line: string, start: number, end: number): FieldValue | typeof NOT_A_VALUE;
  /** The typed value of a JSON value logged for this field (json_format); null when missing or of the wrong type. */
  readJson(value: unknown): FieldValue;
  /**
   * Whether the character can appear anywhere in a value of this field (conservative: true when unsure). A field
   * that cannot contain the first character of the literal after it has one possible end per start, which the
   * parser uses to prove a split unique without searching.
   */
  canContain(charCode: number): boolean;
  /** What the field must look like, for error messages. */
  expected: string;
}

const DASH = 45;
const isDash = (line: string, start: number, end: number) => end - start === 1 && line.charCodeAt(start) === DASH;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isBlank = (c: number) => c === 32 || c === 9;

function digitsOnly(line: string, start: number, end: number, maxDigits: number): boolean {
  if (end <= start || end - start > maxDigits) return false;
  for (let i = start; i < end; i++) if (!isDigit(line.charCodeAt(i))) return false;
  return true;
}

function readDigits(line: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + (line.charCodeAt(i) - 48);
  return n;
}

/** `-` or short codes of capitals joined by commas: `UF,URX`. */
function isFlags(line: string, start: number, end: number): boolean {
  if (isDash(line, start, end)) return true;
  if (end <= start) return false;
  let run = 0;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c >= 65 && c <= 90) run++;
    else if (c === 44 /* , */ && run > 0) run = 0;
    else return false;
  }
  return run > 0;
}

/** `-`, `HTTP/2`, `HTTP/1.1`. */
function isProtocol(line: string, start: number, end: number): boolean {
  if (isDash(line, start, end)) return true;
  const n = end - start;
  if (n !== 6 && n !== 8) return false;
  if (line.charCodeAt(start) !== 72 || line.charCodeAt(start + 1) !== 84 || line.charCodeAt(start + 2) !== 84 ||
    line.charCodeAt(start + 3) !== 80 || line.charCodeAt(start + 4) !== 47 || !isDigit(line.charCodeAt(start + 5))) return false;
  return n === 6 || (line.charCodeAt(start + 6) === 46 && isDigit(line.charCodeAt(start + 7)));
}

function textValue(line: string, start: number, end: number): string | null {
  return isDash(line, start, end) ? null : line.slice(start, end);
}

function jsonNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  // The deprecated untyped json_format logs numbers as strings.
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return null;
}

function jsonText(value: unknown): string | null {
  if (value === null || value === undefined || value === '-') return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const digitOrDash = (c: number) => isDigit(c) || c === DASH;
const flagChar = (c: number) => (c >= 65 && c <= 90) || c === 44 || c === DASH;
const protocolChar = (c: number) => 'HTP/.-'.includes(String.fromCharCode(c)) || isDigit(c);
// A socket path could in theory hold a quote; Envoy-lens does not support it, so an address never contains one.
const addressChar = (c: number) => !isBlank(c) && c !== 34;
const notBlank = (c: number) => !isBlank(c);
const anyChar = () => true;

type Parts = Omit<FieldReader, 'key' | 'token'>;

/** Every reader has the same shape (property order included) so the parser's calls through it stay monomorphic. */
function reader(token: OperatorToken, parts: Parts): FieldReader {
  return {
    key: token.key,
    token,
    rule: parts.rule,
    maxLength: parts.maxLength,
    inline: parts.inline,
    accepts: parts.accepts,
    read: parts.read,
    value: parts.value,
    readJson: parts.readJson,
    canContain: parts.canContain,
    expected: parts.expected,
  };
}

function numberReader(token: OperatorToken): Parts {
  const maxDigits = token.kind === 'port' ? 5 : 20;
  // COMMON_DURATION subtracts two time points, which half-closed streams can order backwards (usage.rst).
  const signed = token.name === 'COMMON_DURATION';
  const accepts = (line: string, s: number, e: number) =>
    isDash(line, s, e) || digitsOnly(line, signed && line.charCodeAt(s) === DASH ? s + 1 : s, e, maxDigits);
  const read = (line: string, s: number, e: number) => {
    if (isDash(line, s, e)) return null;
    return line.charCodeAt(s) === DASH ? -readDigits(line, s + 1, e) : readDigits(line, s, e);
  };
  return {
    rule: SpanRule.Bounded,
    maxLength: maxDigits + 1,
    inline: signed ? InlineShape.None : InlineShape.UnsignedNumber,
    expected: token.kind === 'port' ? 'a port number' : 'a number',
    accepts,
    read,
    value: (line, s, e) => (accepts(line, s, e) ? read(line, s, e) : NOT_A_VALUE),
    readJson: jsonNumber,
    canContain: digitOrDash,
  };
}

function timeReader(token: OperatorToken): Parts {
  const local = token.name.endsWith('_LOCAL');
  const source = token.arg ?? (local ? DEFAULT_LOCAL_TIME_PATTERN : DEFAULT_TIME_PATTERN);
  const pattern: TimePattern = compileTimePattern(source);
  // `accepts` already parsed the span the parser then reads: keep that one result instead of parsing twice.
  let lastLine = '', lastStart = -1, lastEnd = -1;
  let lastValue: Instant | null = null;
  const parse = (line: string, s: number, e: number): Instant | null => {
    if (s === lastStart && e === lastEnd && line === lastLine) return lastValue;
    lastValue = pattern.parseAt(line, s, e);
    lastLine = line;
    lastStart = s;
    lastEnd = e;
    return lastValue;
  };
  return {
    rule: SpanRule.Bounded,
    maxLength: Math.max(pattern.maxLength, 1),
    inline: InlineShape.None,
    expected: `a time like ${source}`,
    accepts: (line, s, e) => isDash(line, s, e) || parse(line, s, e) !== null,
    read: (line, s, e) => (isDash(line, s, e) ? null : parse(line, s, e)),
    value: (line, s, e) => (isDash(line, s, e) ? null : pattern.parseAt(line, s, e) ?? NOT_A_VALUE),
    readJson: (v) => (typeof v === 'string' && v !== '-' ? pattern.parseAt(v, 0, v.length) : null),
    canContain: (c) => c === DASH || pattern.canContain(c),
  };
}

function shapeReader(token: OperatorToken): Parts {
  const shapes = {
    address: { check: isValidAddress, maxLength: 512, chars: addressChar, expected: 'an address (ip:port, [ipv6]:port, a socket path or -)' },
    ip: { check: isValidIp, maxLength: 512, chars: addressChar, expected: 'an IP address or -' },
    flags: { check: isFlags, maxLength: 256, chars: flagChar, expected: 'response flags (UF,URX or -)' },
    protocol: { check: isProtocol, maxLength: 8, chars: protocolChar, expected: 'a protocol (HTTP/1.1, HTTP/2 … or -)' },
  };
  const shape = shapes[token.kind as keyof typeof shapes];
  return {
    rule: SpanRule.Bounded,
    maxLength: shape.maxLength,
    inline: InlineShape.None,
    expected: shape.expected,
    accepts: (line, s, e) => e - s <= shape.maxLength && shape.check(line, s, e),
    read: textValue,
    value: (line, s, e) => (e - s <= shape.maxLength && shape.check(line, s, e) ? textValue(line, s, e) : NOT_A_VALUE),
    readJson: (v) => {
      const text = jsonText(v);
      return text !== null && shape.check(text, 0, text.length) ? text : null;
    },
    canContain: shape.chars,
  };
}

function stringReader(token: OperatorToken): Parts {
  // `:N` truncation bounds the length (N bytes ≥ N UTF-16 units), which narrows the possible splits.
  const bounded = token.maxLength !== undefined;
  const maxLength = token.maxLength ?? Number.POSITIVE_INFINITY;
  const isToken = token.kind === 'token';
  const accepts = (line: string, s: number, e: number) => {
    if (e - s > maxLength || e < s) return false;
    if (!isToken) return true;
    for (let i = s; i < e; i++) if (isBlank(line.charCodeAt(i))) return false;
    return true;
  };
  return {
    rule: bounded ? SpanRule.Bounded : isToken ? SpanRule.NoWhitespace : SpanRule.Any,
    maxLength,
    inline: bounded ? InlineShape.None : isToken ? InlineShape.Token : InlineShape.Text,
    expected: isToken ? 'a value without spaces' : 'text',
    accepts,
    read: textValue,
    value: (line, s, e) => (accepts(line, s, e) ? textValue(line, s, e) : NOT_A_VALUE),
    readJson: jsonText,
    canContain: isToken ? notBlank : anyChar,
  };
}

export function fieldReader(token: OperatorToken): FieldReader {
  switch (token.kind) {
    case 'uint':
    case 'duration':
    case 'port':
      return reader(token, numberReader(token));
    case 'time':
      return reader(token, timeReader(token));
    case 'address':
    case 'ip':
    case 'flags':
    case 'protocol':
      return reader(token, shapeReader(token));
    case 'token':
    case 'text':
      return reader(token, stringReader(token));
  }
}

/** Readers for a format's operators; a time pattern Envoy would refuse is a FormatError at its operator's column. */
export function fieldReadersFor(tokens: OperatorToken[]): FieldReader[] {
  return tokens.map((t) => {
    try {
      return fieldReader(t);
    } catch (err) {
      if (err instanceof TimePatternError) throw new FormatError(err.message, t.column);
      throw err;
    }
  });
}
