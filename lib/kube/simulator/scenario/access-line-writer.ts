// Renders one access-log line for any Envoy format, as Envoy would write it: text formats copy values raw (no
// escaping, `-` for missing), v3 json_format writes one JSON object per line with typed values (numbers as numbers,
// null for missing). The format is tokenized once; each line is then a walk over the tokens.
import type { FormatSpec } from '../../../envoy/compile-format.ts';
import { tokenizeFormat, type FormatToken, type OperatorToken } from '../../../envoy/format-tokens.ts';
import type { AccessRequest } from './access-request.ts';
import { operatorValue, type OperatorValue } from './operator-values.ts';

export interface AccessLineWriterOptions {
  /** log_format.omit_empty_values: missing values print as nothing (text) or drop their key (JSON). */
  omitEmptyValues?: boolean;
}

/** `:N` cuts a value to N bytes (Envoy may split a UTF-8 character; a JS string cannot hold half of one, so the
 * partial character is dropped). Numbers are never truncated: only header-like operators accept `:N`. */
function truncate(value: OperatorValue, maxLength: number | undefined): OperatorValue {
  if (maxLength === undefined || typeof value !== 'string') return value;
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= maxLength) return value;
  return bytes.subarray(0, maxLength).toString('utf8').replace(/\uFFFD$/, '');
}

type JsonTemplate =
  | { kind: 'object'; entries: [string, JsonTemplate][] }
  | { kind: 'typed'; token: OperatorToken }
  | { kind: 'mixed'; tokens: FormatToken[] }
  | { kind: 'constant'; value: unknown };

const singleOperator = /^%[A-Z0-9_]+(?:\([^)]*\))?(?::[0-9]+)?%$/;

function jsonTemplate(node: unknown): JsonTemplate {
  if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
    return { kind: 'object', entries: Object.entries(node).map(([k, v]) => [k, jsonTemplate(v)]) };
  }
  if (typeof node !== 'string') return { kind: 'constant', value: node };
  const tokens = tokenizeFormat(node);
  const only = tokens[0];
  if (singleOperator.test(node) && tokens.length === 1 && only?.type === 'operator') return { kind: 'typed', token: only };
  if (tokens.every((t) => t.type === 'literal')) return { kind: 'constant', value: tokens.map((t) => (t as { text: string }).text).join('') };
  return { kind: 'mixed', tokens };
}

export class AccessLineWriter {
  private readonly tokens?: FormatToken[];
  private readonly json?: JsonTemplate;
  private readonly omitEmpty: boolean;

  constructor(
    readonly format: FormatSpec,
    options: AccessLineWriterOptions = {},
  ) {
    this.omitEmpty = options.omitEmptyValues ?? false;
    if (format.type === 'text') {
      // The format carries its own trailing newline; a log line as the simulator stores it has none.
      this.tokens = tokenizeFormat(format.text.endsWith('\n') ? format.text.slice(0, -1) : format.text);
    } else {
      this.json = jsonTemplate(format.json);
    }
  }

  /** The line without its newline. */
  write(req: AccessRequest): string {
    if (this.tokens) return this.renderText(this.tokens, req);
    return JSON.stringify(this.renderJson(this.json!, req) ?? {});
  }

  /** The typed value of one operator for this request (after `:N`), as json_format would log it. */
  static value(token: OperatorToken, req: AccessRequest): OperatorValue {
    return truncate(operatorValue(token, req), token.maxLength);
  }

  private renderText(tokens: FormatToken[], req: AccessRequest): string {
    let out = '';
    for (const t of tokens) {
      if (t.type === 'literal') {
        out += t.text;
        continue;
      }
      const v = AccessLineWriter.value(t, req);
      // Envoy prints `-` for a missing value, and nothing at all under omit_empty_values.
      out += v === null ? (this.omitEmpty ? '' : '-') : String(v);
    }
    return out;
  }

  /** undefined = leave the key out (omit_empty_values). */
  private renderJson(t: JsonTemplate, req: AccessRequest): unknown {
    switch (t.kind) {
      case 'constant':
        return t.value;
      case 'typed': {
        const v = AccessLineWriter.value(t.token, req);
        if (this.omitEmpty && (v === null || v === '')) return undefined;
        return v;
      }
      case 'mixed': {
        const s = this.renderText(t.tokens, req);
        return this.omitEmpty && s === '' ? undefined : s;
      }
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [k, child] of t.entries) {
          const v = this.renderJson(child, req);
          if (v !== undefined) out[k] = v;
        }
        return this.omitEmpty && Object.keys(out).length === 0 ? undefined : out;
      }
    }
  }
}
