// One field of a format: which spans of a line it may cover, and the typed value of a span.
import type { OperatorToken } from './format-tokens.ts';
import type { Instant } from './instant.ts';
import { compileTimePattern, DEFAULT_TIME_PATTERN, type TimePattern } from './time-pattern.ts';

export type FieldValue = string | number | Instant | null;

/** How the parser may search for a field's end: see the text parser. */
export const enum SpanRule {
  /** Anything, any length (headers, free text). */
  Any,
  /** Non-empty, no space or tab, any length. */
  NoWhitespace,
  /** At most `maxLength` characters, checked by `accepts`. */
  Bounded,
}

export interface FieldReader {
  key: string;
  token: OperatorToken;
  rule: SpanRule;
  maxLength: number;
  /** Whether line[start, end) is a value of this field. */
  accepts(line: string, start: number, end: number): boolean;
  /** The typed value of line[start, end), which `accepts` allowed. */
  read(line: string, start: number, end: number): FieldValue;
  /** The typed value of a JSON value logged for this field (json_format). */
  readJson(value: unknown): FieldValue;
  /** What the field must look like, for error messages. */
  expected: string;
}

const DASH = 45;
const isDash = (line: string, start: number, end: number) => end - start === 1 && line.charCodeAt(start) === DASH;

function digitsOnly(line: string, start: number, end: number, maxDigits: number): boolean {
  if (end <= start || end - start > maxDigits) return false;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function readDigits(line: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + (line.charCodeAt(i) - 48);
  return n;
}

const ipv4 = '(?:\\d{1,3}\\.){3}\\d{1,3}';
const ipv6 = '[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[\\w.-]+)?';
const anchored = (source: string) => new RegExp(`^(?:${source})$`);
const addressRe = anchored(`(?:tcp://|udp://)?(?:${ipv4}:\\d{1,5}|\\[${ipv6}\\]:\\d{1,5}|[/@]\\S*|envoy://\\S*|-)`);
const ipRe = anchored(`${ipv4}|${ipv6}|[/@]\\S*|-`);
const flagsRe = anchored('[A-Z]+(?:,[A-Z]+)*|-');
const protocolRe = anchored('HTTP/\\d(?:\\.\\d)?|-');

/** Whether line[start, end) matches an anchored pattern (on the slice, so the match cannot run past `end`). */
const matchesWhole = (re: RegExp, line: string, start: number, end: number) => re.test(line.slice(start, end));

function textValue(line: string, start: number, end: number): string | null {
  return isDash(line, start, end) ? null : line.slice(start, end);
}

function jsonNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  return null;
}

function jsonText(value: unknown): string | null {
  if (value === null || value === undefined || value === '-') return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function fieldReader(token: OperatorToken): FieldReader {
  const base = { key: token.key, token };
  switch (token.kind) {
    case 'uint':
    case 'duration':
    case 'port': {
      const maxDigits = token.kind === 'port' ? 5 : 20;
      return {
        ...base,
        rule: SpanRule.Bounded,
        maxLength: maxDigits,
        expected: token.kind === 'port' ? 'a port number' : 'a number',
        accepts: (line, s, e) => isDash(line, s, e) || digitsOnly(line, s, e, maxDigits),
        read: (line, s, e) => (isDash(line, s, e) ? null : readDigits(line, s, e)),
        readJson: jsonNumber,
      };
    }
    case 'time': {
      let pattern: TimePattern;
      pattern = compileTimePattern(token.arg ?? DEFAULT_TIME_PATTERN);
      return {
        ...base,
        rule: SpanRule.Bounded,
        maxLength: Math.max(pattern.maxLength, 1),
        expected: `a time like ${token.arg ?? DEFAULT_TIME_PATTERN}`,
        accepts: (line, s, e) => isDash(line, s, e) || pattern.parseAt(line, s, e) !== null,
        read: (line, s, e) => (isDash(line, s, e) ? null : pattern.parseAt(line, s, e)),
        readJson: (v) => (typeof v === 'string' && v !== '-' ? pattern.parseAt(v, 0, v.length) : null),
      };
    }
    case 'address':
    case 'ip':
    case 'flags':
    case 'protocol': {
      const re = { address: addressRe, ip: ipRe, flags: flagsRe, protocol: protocolRe }[token.kind];
      const expected = {
        address: 'an address (ip:port, [ipv6]:port, a socket path or -)',
        ip: 'an IP address or -',
        flags: 'response flags (UF,URX or -)',
        protocol: 'a protocol (HTTP/1.1, HTTP/2 … or -)',
      }[token.kind];
      return {
        ...base,
        rule: SpanRule.Bounded,
        maxLength: token.kind === 'protocol' ? 8 : 512,
        expected,
        accepts: (line, s, e) => e > s && matchesWhole(re, line, s, e),
        read: textValue,
        readJson: (v) => {
          const text = jsonText(v);
          return text !== null && matchesWhole(re, text, 0, text.length) ? text : null;
        },
      };
    }
    case 'token':
    case 'text': {
      // `:N` truncation bounds the length (N bytes ≥ N UTF-16 units), which narrows the possible splits.
      const bounded = token.maxLength !== undefined;
      return {
        ...base,
        rule: bounded ? SpanRule.Bounded : token.kind === 'token' ? SpanRule.NoWhitespace : SpanRule.Any,
        maxLength: token.maxLength ?? Number.POSITIVE_INFINITY,
        expected: token.kind === 'token' ? 'a value without spaces' : 'text',
        accepts: (line, s, e) => {
          if (bounded && e - s > token.maxLength!) return false;
          if (token.kind === 'text') return true;
          if (e <= s) return false;
          for (let i = s; i < e; i++) {
            const c = line.charCodeAt(i);
            if (c === 32 || c === 9) return false;
          }
          return true;
        },
        read: textValue,
        readJson: jsonText,
      };
    }
  }
}
