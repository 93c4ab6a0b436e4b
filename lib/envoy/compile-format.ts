// Compiles an access-log format (text_format / text_format_source / json_format / Envoy's default) into a line
// parser. Compile once per format; `parse` never throws.
import { fieldReadersFor, type FieldReader } from './field-reader.ts';
import { FormatError, textLayout, type OperatorToken } from './format-tokens.ts';
import { compileJson } from './json-line-parser.ts';
import { guardParse, type LineResult } from './line-result.ts';
import { TextLineParser } from './text-line-parser.ts';

export type FormatSpec = { type: 'text'; text: string } | { type: 'json'; json: Record<string, unknown> };

export type { LineResult } from './line-result.ts';

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

function compileText(spec: { type: 'text'; text: string }): CompiledFormat {
  let text = spec.text;
  if (text.endsWith('\n')) text = text.slice(0, -1);
  const newline = text.indexOf('\n');
  if (newline >= 0) throw new FormatError('a newline inside the format would split one record over several lines', newline + 1);
  const { parser, operators } = textLineParserFor(text);
  return {
    spec,
    keys: operators.map((o) => o.key),
    operators,
    parse: guardParse((line) => parser.parse(line)),
  };
}

/**
 * The line parser of a one-line text format (no trailing newline). `wrapReader` lets tests observe the readers,
 * e.g. to count the work a hostile line costs.
 */
export function textLineParserFor(
  text: string,
  wrapReader: (reader: FieldReader) => FieldReader = (reader) => reader,
): { parser: TextLineParser; operators: OperatorToken[] } {
  const { prefix, operators, after } = textLayout(text);
  return { parser: new TextLineParser(prefix, fieldReadersFor(operators).map(wrapReader), after), operators };
}
