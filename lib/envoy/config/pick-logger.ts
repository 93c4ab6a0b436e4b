// Chooses the access logger whose lines envoy-lens will read. The collector reads the container's stdout, so stdout
// beats stderr beats a file; two equally good loggers with different formats are a question only the user can answer.
import { EnvoyConfigError } from './config-error.ts';
import type { AccessLoggerConfig, EnvoyConfig, LogOutput, TextAccessLogger } from './types.ts';

const preference: readonly LogOutput[] = ['stdout', 'stderr', 'file'];

export function pickAccessLogger(config: EnvoyConfig, listenerName?: string): TextAccessLogger {
  const fail = (problem: string): never => {
    throw new EnvoyConfigError(problem, { fileName: config.fileName });
  };
  if (config.listeners.length === 0) {
    fail('no listeners in static_resources, so no access log to read (listeners sent by an xDS server are not in the file); give the format with --format');
  }
  let listeners = config.listeners;
  if (listenerName !== undefined) {
    const named = listeners.find((l) => l.name === listenerName);
    if (!named) fail(`no listener ${JSON.stringify(listenerName)}; the listeners are ${listeners.map((l) => l.name).join(', ')}`);
    listeners = [named!];
  }
  const scope = listeners.length === 1 ? `listener ${listeners[0]!.name}` : `its ${listeners.length} listeners`;
  const loggers = listeners.flatMap((l) => l.accessLoggers);
  const text = loggers.filter((l): l is TextAccessLogger => l.sink !== 'other');
  if (text.length === 0) {
    if (loggers.length > 0) {
      fail(`${scope}: the access loggers (${describeOthers(loggers)}) send records elsewhere, not text lines; ` +
        'envoy-lens needs a stdout, stderr or file access log, or the format given with --format');
    }
    fail(`${scope}: no access log configured; envoy-lens reads Envoy's access log lines, so add one ` +
      '(e.g. a StdoutAccessLog under the http_connection_manager access_log) or give the format with --format');
  }

  const output = preference.find((o) => text.some((l) => l.output === o))!;
  const best = text.filter((l) => l.output === output);
  const formats = new Set(best.map(formatKey));
  if (formats.size === 1) return best[0]!;

  const listed = best.map((l) => `${l.configPath} at line ${l.line}`).join('; ');
  const acrossListeners = new Set(best.map((l) => l.listener)).size > 1;
  const hint = acrossListeners
    ? 'pick one with --listener'
    : 'envoy-lens cannot tell their lines apart: give the format you want with --format';
  return fail(`${scope}: ${best.length} ${output} access logs with different formats (${listed}); ${hint}`);
}

function describeOthers(loggers: AccessLoggerConfig[]): string {
  return [...new Set(loggers.map((l) => l.type))].join(', ');
}

/** Two loggers write the same lines when format and omit_empty_values agree; JSON key order does not matter. */
function formatKey(logger: TextAccessLogger): string {
  const format = logger.format.type === 'text' ? `text:${logger.format.text}` : `json:${canonicalJson(logger.format.json)}`;
  return `${logger.omitEmptyValues}:${format}`;
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
