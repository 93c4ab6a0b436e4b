// Resolves --format / --config / --listener into a compiled format, or a message naming what is wrong.
import { readFileSync } from 'node:fs';
import { compileFormat, type CompiledFormat, type FormatSpec } from '../envoy/compile-format.ts';
import { ENVOY_DEFAULT_FORMAT, ISTIO_DEFAULT_FORMAT } from '../envoy/default-formats.ts';
import { pickAccessLogger, readEnvoyConfigFile } from '../envoy/envoy-config.ts';
import { FormatError } from '../envoy/format-tokens.ts';
import { UsageError } from './usage-error.ts';

export interface FormatOptions {
  format?: string;
  config?: string;
  listener?: string;
}

const presets: Record<string, string> = { 'envoy-default': ENVOY_DEFAULT_FORMAT, 'istio-default': ISTIO_DEFAULT_FORMAT };

export function formatSpecFrom(options: FormatOptions): FormatSpec {
  if (options.format !== undefined && options.config !== undefined) {
    throw new UsageError('give either --format or --config, not both');
  }
  if (options.format !== undefined) {
    const preset = presets[options.format];
    if (preset) return { type: 'text', text: preset };
    const trimmed = options.format.trim();
    if (trimmed.startsWith('{')) {
      let json: unknown;
      try {
        json = JSON.parse(trimmed);
      } catch (err) {
        throw new UsageError(`--format looks like a json_format but is not valid JSON: ${(err as Error).message}`);
      }
      if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new UsageError('--format JSON must be an object');
      return { type: 'json', json: json as Record<string, unknown> };
    }
    return { type: 'text', text: options.format };
  }
  if (options.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.config, 'utf8');
    } catch (err) {
      throw new UsageError(`--config ${options.config}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return pickAccessLogger(readEnvoyConfigFile(text, options.config), options.listener).format;
  }
  if (options.listener !== undefined) throw new UsageError('--listener goes with --config');
  throw new UsageError('give the access-log format: --format STR (or envoy-default, istio-default) or --config envoy.yaml');
}

export function compiledFormatFrom(options: FormatOptions): CompiledFormat {
  const spec = formatSpecFrom(options);
  try {
    return compileFormat(spec);
  } catch (err) {
    if (err instanceof FormatError) throw new UsageError(`bad access-log format: ${err.message}`);
    throw err;
  }
}

export { formatText } from '../envoy/format-text.ts';
