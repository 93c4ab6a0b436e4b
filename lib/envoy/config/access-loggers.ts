// Access log entries (`access_log:` / `upstream_log:` lists) → loggers: where they write and in which format.
import type { ConfigNode } from './config-node.ts';
import { readExtension } from './extension.ts';
import { defaultFormat, readFileLoggerFormat, readLogFormat, type FormatChecker, type FormatChoice } from './log-format.ts';
import type { AccessLoggerConfig, AccessLogScope, LogOutput, TextAccessLogger } from './types.ts';

export interface LoggerContext {
  listener: string;
  scope: AccessLogScope;
  checker: FormatChecker;
}

type TextSink = TextAccessLogger['sink'];

const sinkByType: Record<string, TextSink> = {
  'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog': 'stdout',
  'envoy.extensions.access_loggers.stream.v3.StderrAccessLog': 'stderr',
  'envoy.extensions.access_loggers.file.v3.FileAccessLog': 'file',
  'envoy.config.accesslog.v2.FileAccessLog': 'file',
};

const sinkByName: Record<string, TextSink> = {
  'envoy.access_loggers.stdout': 'stdout',
  'envoy.access_loggers.stderr': 'stderr',
  'envoy.access_loggers.file': 'file',
  'envoy.file_access_log': 'file',
};

const typeForSink: Record<TextSink, string> = {
  stdout: 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  stderr: 'envoy.extensions.access_loggers.stream.v3.StderrAccessLog',
  file: 'envoy.extensions.access_loggers.file.v3.FileAccessLog',
};

// Types in the stream and file packages that are none of the above are typos, not other loggers.
const textLoggerPackage = /^envoy\.extensions\.access_loggers\.(stream|file)\./;

const outputByPath: Record<string, LogOutput> = {
  '/dev/stdout': 'stdout',
  '/proc/self/fd/1': 'stdout',
  '/dev/stderr': 'stderr',
  '/proc/self/fd/2': 'stderr',
};

export function readAccessLogs(list: ConfigNode, context: LoggerContext): AccessLoggerConfig[] {
  return list.items().map((entry) => readAccessLog(entry, context));
}

function readAccessLog(entry: ConfigNode, context: LoggerContext): AccessLoggerConfig {
  entry.mapping('an access log entry');
  const ext = readExtension(entry);
  const base = {
    listener: context.listener,
    scope: context.scope,
    ...(ext.name === undefined ? {} : { name: ext.name }),
    type: ext.type ?? ext.name ?? '(unnamed)',
    filtered: entry.has('filter'),
    line: entry.line,
    configPath: entry.path,
  };

  const named = ext.name === undefined ? undefined : sinkByName[ext.name];
  let sink: TextSink | undefined;
  if (ext.type === undefined) {
    sink = named; // v2 `config:` or a bare name: the name is all there is
  } else {
    sink = sinkByType[ext.type];
    if (sink === undefined && (named !== undefined || textLoggerPackage.test(ext.type))) {
      const expected = named ? typeForSink[named] : Object.values(typeForSink).join(', ');
      (ext.typeNode ?? entry).fail(`unknown access logger @type ${ext.type}; expected ${expected}`);
    }
  }
  if (sink === undefined) return { ...base, sink: 'other' };

  const config = ext.config;
  if (config.exists) config.mapping('the logger settings');
  let path: string | undefined;
  let choice: FormatChoice;
  if (sink === 'file') {
    path = config.field('path').text('a FileAccessLog writes to a path');
    choice = readFileLoggerFormat(config, context.checker);
  } else {
    choice = config.has('log_format') ? readLogFormat(config.field('log_format'), context.checker) : defaultFormat();
  }
  const logger: TextAccessLogger = { ...base, sink, output: path === undefined ? sink : (outputByPath[path] ?? 'file'), ...choice };
  if (path !== undefined) logger.path = path;
  return logger;
}
