// The format of a text access logger: `log_format` (SubstitutionFormatString), FileAccessLog's deprecated
// `format` / `json_format` / `typed_json_format`, or Envoy's default when none is given. Each format is compiled
// here, so a format Envoy would refuse fails at the line that holds it, not later on the first log line.
import { compileFormat, type FormatSpec } from '../compile-format.ts';
import { ENVOY_DEFAULT_FORMAT } from '../default-formats.ts';
import { FormatError } from '../format-tokens.ts';
import type { ConfigNode } from './config-node.ts';

export interface FormatChoice {
  format: FormatSpec;
  formatOrigin: 'configured' | 'default';
  formatPath?: string;
  omitEmptyValues: boolean;
}

/** Compiles each distinct format once per config: aliases can repeat one format in many loggers. */
export class FormatChecker {
  private readonly good = new Set<string>();

  check(spec: FormatSpec, at: ConfigNode): void {
    const key = spec.type === 'text' ? `text:${spec.text}` : `json:${JSON.stringify(spec.json)}`;
    if (this.good.has(key)) return;
    try {
      compileFormat(spec);
    } catch (err) {
      if (err instanceof FormatError) at.fail(err.message);
      at.fail(`envoy-lens cannot compile this format: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.good.add(key);
  }
}

export function defaultFormat(): FormatChoice {
  return { format: { type: 'text', text: ENVOY_DEFAULT_FORMAT }, formatOrigin: 'default', omitEmptyValues: false };
}

const logFormatFields = ['text_format', 'text_format_source', 'json_format'] as const;

/** A SubstitutionFormatString. */
export function readLogFormat(logFormat: ConfigNode, checker: FormatChecker): FormatChoice {
  logFormat.mapping('a log_format');
  const given = logFormatFields.filter((f) => logFormat.has(f));
  if (given.length === 0) logFormat.fail('expected one of text_format, text_format_source or json_format');
  if (given.length > 1) logFormat.fail(`has both ${given.join(' and ')}; Envoy takes exactly one`);
  const which = given[0]!;
  const node = logFormat.field(which);
  const format: FormatSpec =
    which === 'json_format'
      ? { type: 'json', json: jsonFormat(node) }
      : { type: 'text', text: which === 'text_format' ? node.text() : readDataSource(node) };
  checker.check(format, node);
  return { format, formatOrigin: 'configured', formatPath: node.path, omitEmptyValues: logFormat.field('omit_empty_values').flag() };
}

const fileLoggerFields = ['log_format', 'format', 'json_format', 'typed_json_format'] as const;

/** FileAccessLog (v3, or v2 with `format` / `json_format`): `log_format` or one of the deprecated fields. */
export function readFileLoggerFormat(config: ConfigNode, checker: FormatChecker): FormatChoice {
  const given = fileLoggerFields.filter((f) => config.has(f));
  if (given.length > 1) config.fail(`has both ${given.join(' and ')}; Envoy takes at most one`);
  const which = given[0];
  if (which === undefined) return defaultFormat();
  const node = config.field(which);
  if (which === 'log_format') return readLogFormat(node, checker);
  let format: FormatSpec;
  if (which === 'format') {
    const text = node.text();
    if (text === '') return defaultFormat(); // an empty deprecated format meant "the default" to Envoy
    format = { type: 'text', text };
  } else {
    format = { type: 'json', json: jsonFormat(node) };
  }
  checker.check(format, node);
  return { format, formatOrigin: 'configured', formatPath: node.path, omitEmptyValues: false };
}

function jsonFormat(node: ConfigNode): Record<string, unknown> {
  node.mapping('a json_format object');
  return node.plain() as Record<string, unknown>;
}

const dataSourceFields = ['inline_string', 'inline_bytes', 'filename', 'environment_variable'] as const;

/** A DataSource holding a text format. Only inline ones can be read: the rest live inside the Envoy container. */
function readDataSource(source: ConfigNode): string {
  source.mapping('a data source');
  const given = dataSourceFields.filter((f) => source.has(f));
  if (given.length === 0) source.fail('expected one of inline_string, inline_bytes or filename');
  if (given.length > 1) source.fail(`has both ${given.join(' and ')}; Envoy takes exactly one`);
  const which = given[0]!;
  const node = source.field(which);
  const value = node.text();
  switch (which) {
    case 'inline_string':
      return value;
    case 'inline_bytes':
      return decodeBase64Text(value, node);
    case 'filename':
      return node.fail(
        `the format is in the file ${JSON.stringify(value)} inside the Envoy container, which envoy-lens cannot read; ` +
          'give the format itself with --format',
      );
    case 'environment_variable':
      return node.fail(
        `the format is in the environment variable ${value} of the Envoy container, which envoy-lens cannot see; ` +
          'give the format itself with --format',
      );
  }
}

function decodeBase64Text(value: string, node: ConfigNode): string {
  // protobuf JSON writes bytes as base64, standard or URL-safe, padding optional.
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    node.fail('expected base64 (inline_bytes holds the format base64-encoded)');
  }
  const bytes = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return node.fail('the decoded inline_bytes are not UTF-8 text');
  }
}
