import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ENVOY_DEFAULT_FORMAT, SEED_FORMAT } from './default-formats.ts';
import { pickAccessLogger, readEnvoyConfigFile, type AccessLoggerConfig, type TextAccessLogger } from './envoy-config.ts';
import { bootstrapText, fileLogger, httpListener, stdoutLogger, tcpListener, TYPE } from './testdata/bootstrap.ts';

const repo = new URL('../../', import.meta.url);
const read = (path: string) => readEnvoyConfigFile(readFileSync(new URL(path, repo), 'utf8'), path);

function textLogger(logger: AccessLoggerConfig | undefined): TextAccessLogger {
  assert.ok(logger && logger.sink !== 'other', `expected a text logger, got ${JSON.stringify(logger)}`);
  return logger;
}

/** The only logger of the only listener of a bootstrap built from `listeners`. */
function onlyLogger(listener: Record<string, unknown>): TextAccessLogger {
  const config = readEnvoyConfigFile(bootstrapText([listener]), 'envoy.yaml');
  assert.equal(config.listeners[0]!.accessLoggers.length, 1);
  return textLogger(config.listeners[0]!.accessLoggers[0]);
}

describe('readEnvoyConfigFile: the seed ConfigMaps', () => {
  it('reads the ClusterIP seed: one listener, one stdout logger with the seed format, one STRICT_DNS cluster', () => {
    const config = read('fixtures/seed/envoy-config.configmap.yaml');
    assert.deepEqual(config.origin, { kind: 'configmap', name: 'envoy-config', key: 'envoy.yaml', lines: 'exact' });
    assert.deepEqual(config.listeners.map((l) => l.name), ['ingress_listener']);
    const listener = config.listeners[0]!;
    assert.equal(listener.line, 12);
    assert.deepEqual(listener.address, { address: '0.0.0.0', port: 10000, line: 15, configPath: 'static_resources.listeners[0].address.socket_address' });
    assert.equal(listener.accessLoggers.length, 1);
    const logger = textLogger(listener.accessLoggers[0]);
    assert.equal(logger.sink, 'stdout');
    assert.equal(logger.output, 'stdout');
    assert.equal(logger.scope, 'http_connection_manager');
    assert.equal(logger.formatOrigin, 'configured');
    assert.deepEqual(logger.format, { type: 'text', text: SEED_FORMAT });
    assert.equal(logger.line, 42);
    assert.equal(logger.configPath, 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.access_log[0]');
    assert.equal(logger.formatPath, `${logger.configPath}.typed_config.log_format.text_format`);

    assert.equal(config.clusters.length, 1);
    const cluster = config.clusters[0]!;
    assert.equal(cluster.name, 'app_service');
    assert.equal(cluster.type, 'STRICT_DNS');
    assert.equal(cluster.lbPolicy, 'ROUND_ROBIN');
    assert.equal(cluster.line, 48);
    assert.deepEqual(cluster.endpoints.map((e) => [e.address, e.port, e.line]), [['backend-service', 10000, 59]]);
    assert.equal(pickAccessLogger(config).format, logger.format);
  });

  it('reads the headless seed: same listener and format, cluster pointing at the headless Service', () => {
    const config = read('fixtures/seed/envoy-config-headless.configmap.yaml');
    assert.deepEqual(pickAccessLogger(config, 'ingress_listener').format, { type: 'text', text: SEED_FORMAT });
    assert.deepEqual(config.clusters[0]!.endpoints.map((e) => `${e.address}:${e.port}`), ['backend-headless-service:10000']);
  });
});

describe('readEnvoyConfigFile: plain bootstraps', () => {
  const config = read('lib/envoy/testdata/envoy.yaml');

  it('finds the HTTP listener loggers: JSON to stdout and the router upstream_log to a file', () => {
    assert.deepEqual(config.origin, { kind: 'bootstrap' });
    const [json, upstream] = config.listeners[0]!.accessLoggers.map(textLogger);
    assert.equal(json!.scope, 'http_connection_manager');
    assert.deepEqual(json!.format, {
      type: 'json',
      json: { time: '%START_TIME%', status: '%RESPONSE_CODE%', upstream: { host: '%UPSTREAM_HOST%', cluster: '%UPSTREAM_CLUSTER%' } },
    });
    assert.equal(json!.omitEmptyValues, true);
    assert.equal(upstream!.scope, 'router_upstream');
    assert.equal(upstream!.sink, 'file');
    assert.equal(upstream!.path, '/var/log/envoy/upstream.log');
    assert.deepEqual(upstream!.format, { type: 'text', text: '%UPSTREAM_HOST% %RESPONSE_CODE%\n' });
    assert.equal(upstream!.line, 32);
  });

  it('gives a logger without log_format Envoy\'s default format, marked as the default', () => {
    const tcp = textLogger(config.listeners[1]!.accessLoggers[0]);
    assert.equal(tcp.scope, 'tcp_proxy');
    assert.equal(tcp.sink, 'stderr');
    assert.equal(tcp.formatOrigin, 'default');
    assert.equal(tcp.formatPath, undefined);
    assert.deepEqual(tcp.format, { type: 'text', text: ENVOY_DEFAULT_FORMAT });
  });

  it('reads every cluster type, lb_policy defaults, endpoints and dns_refresh_rate', () => {
    const summary = config.clusters.map((c) => [c.name, c.type, c.lbPolicy, c.endpoints.map((e) => `${e.address}:${e.port}`), c.dnsRefreshRateMs]);
    assert.deepEqual(summary, [
      ['static_pair', 'STATIC', 'LEAST_REQUEST', ['10.0.0.1:80', '10.0.0.2:80'], undefined],
      ['logical', 'LOGICAL_DNS', 'ROUND_ROBIN', ['api.example.com:443'], 2500],
      ['from_eds', 'EDS', 'ROUND_ROBIN', [], undefined],
      ['passthrough', 'ORIGINAL_DST', 'CLUSTER_PROVIDED', [], undefined],
      ['defaults', 'STATIC', 'ROUND_ROBIN', [], undefined],
    ]);
    assert.deepEqual(config.clusters[1]!.endpoints[0]!.line, 73);
  });

  it('reads JSON input with its line numbers', () => {
    const json = read('lib/envoy/testdata/envoy.json');
    const logger = textLogger(json.listeners[0]!.accessLoggers[0]);
    assert.deepEqual(logger.format, { type: 'text', text: '%START_TIME% %UPSTREAM_HOST%\n' });
    assert.equal(logger.line, 15);
    assert.deepEqual(json.clusters.map((c) => [c.name, c.type, c.endpoints[0]?.address]), [['backend', 'STRICT_DNS', 'backend']]);
  });

  it('reads the v2 form: config instead of typed_config, envoy.file_access_log, hosts', () => {
    const v2 = read('lib/envoy/testdata/envoy-v2.yaml');
    const listener = v2.listeners[0]!;
    assert.equal(listener.name, 'listener[0]');
    assert.equal(listener.unnamed, true);
    const logger = textLogger(listener.accessLoggers[0]);
    assert.equal(logger.sink, 'file');
    assert.equal(logger.type, 'envoy.file_access_log');
    assert.equal(logger.path, '/dev/stdout');
    assert.equal(logger.output, 'stdout', 'a file logger writing /dev/stdout is read from stdout');
    assert.deepEqual(logger.format, { type: 'text', text: '[%START_TIME%] %RESPONSE_CODE% %UPSTREAM_HOST%\n' });
    assert.deepEqual(v2.clusters.map((c) => [c.type, c.endpoints[0]?.address, c.endpoints[0]?.port]), [['STRICT_DNS', 'legacy.internal', 8000]]);
  });
});

describe('readEnvoyConfigFile: formats', () => {
  it('reads text_format_source inline_string', () => {
    const logger = onlyLogger(httpListener('l', [stdoutLogger({ text_format_source: { inline_string: '%RESPONSE_CODE% %UPSTREAM_HOST%\n' } })]));
    assert.deepEqual(logger.format, { type: 'text', text: '%RESPONSE_CODE% %UPSTREAM_HOST%\n' });
    assert.match(logger.formatPath!, /log_format\.text_format_source$/);
  });

  it('decodes text_format_source inline_bytes from base64 (standard and URL-safe)', () => {
    const text = '%RESPONSE_CODE% "%REQ(USER-AGENT)%" é\n';
    for (const encoded of [Buffer.from(text).toString('base64'), Buffer.from(text).toString('base64url')]) {
      const logger = onlyLogger(httpListener('l', [stdoutLogger({ text_format_source: { inline_bytes: encoded } })]));
      assert.deepEqual(logger.format, { type: 'text', text });
    }
  });

  it('carries omit_empty_values, false when absent', () => {
    const on = onlyLogger(httpListener('l', [stdoutLogger({ text_format: '%UPSTREAM_HOST%\n', omit_empty_values: true })]));
    const off = onlyLogger(httpListener('l', [stdoutLogger({ text_format: '%UPSTREAM_HOST%\n' })]));
    assert.equal(on.omitEmptyValues, true);
    assert.equal(off.omitEmptyValues, false);
  });

  it('reads a FileAccessLog with the deprecated format string, and with the deprecated json_format', () => {
    const text = onlyLogger(httpListener('l', [fileLogger('/var/log/access.log', { format: '%RESPONSE_CODE%\n' })]));
    assert.deepEqual([text.sink, text.output, text.path, text.format], ['file', 'file', '/var/log/access.log', { type: 'text', text: '%RESPONSE_CODE%\n' }]);
    assert.match(text.formatPath!, /typed_config\.format$/);
    const json = onlyLogger(httpListener('l', [fileLogger('/dev/stderr', { json_format: { code: '%RESPONSE_CODE%' } })]));
    assert.deepEqual([json.output, json.format], ['stderr', { type: 'json', json: { code: '%RESPONSE_CODE%' } }]);
  });

  it('treats an empty deprecated format as Envoy did: the default format', () => {
    const logger = onlyLogger(httpListener('l', [fileLogger('/tmp/a.log', { format: '' })]));
    assert.equal(logger.formatOrigin, 'default');
    assert.deepEqual(logger.format, { type: 'text', text: ENVOY_DEFAULT_FORMAT });
  });

  it('reads a text_format written as a YAML literal block', () => {
    const yaml = [
      'static_resources:',
      '  listeners:',
      '  - name: l',
      '    access_log:',
      '    - typed_config:',
      `        "@type": ${TYPE.stdout}`,
      '        log_format:',
      '          text_format: |',
      '            %RESPONSE_CODE% %UPSTREAM_HOST%',
    ].join('\n');
    const logger = textLogger(readEnvoyConfigFile(yaml, 'envoy.yaml').listeners[0]!.accessLoggers[0]);
    assert.deepEqual(logger.format, { type: 'text', text: '%RESPONSE_CODE% %UPSTREAM_HOST%\n' });
  });
});

describe('readEnvoyConfigFile: logger scopes and sinks', () => {
  it('records the scope of listener-level, HCM, router upstream_log and TcpProxy loggers', () => {
    const config = readEnvoyConfigFile(
      bootstrapText([
        httpListener('web', [stdoutLogger({ text_format: 'hcm %RESPONSE_CODE%\n' })], {
          upstreamLog: [stdoutLogger({ text_format: 'up %UPSTREAM_HOST%\n' })],
          listenerLog: [stdoutLogger({ text_format: 'conn %DOWNSTREAM_REMOTE_ADDRESS%\n' })],
        }),
        tcpListener('db', [stdoutLogger({ text_format: 'tcp %UPSTREAM_HOST%\n' })]),
      ]),
      'envoy.yaml',
    );
    const loggers = config.listeners.flatMap((l) => l.accessLoggers.map(textLogger).map((a) => [a.listener, a.scope, a.format.type === 'text' ? a.format.text.split(' ')[0] : '']));
    assert.deepEqual(loggers, [
      ['web', 'http_connection_manager', 'hcm'],
      ['web', 'router_upstream', 'up'],
      ['web', 'listener', 'conn'],
      ['db', 'tcp_proxy', 'tcp'],
    ]);
    const upstream = config.listeners[0]!.accessLoggers[1]!;
    assert.match(upstream.configPath, /http_filters\[0\]\.typed_config\.upstream_log\[0\]$/);
    assert.equal(config.listeners[0]!.accessLoggers[2]!.configPath, 'static_resources.listeners[0].access_log[0]');
  });

  it('reports gRPC and other non-text loggers as sink "other", with their type', () => {
    const config = readEnvoyConfigFile(
      bootstrapText([httpListener('l', [{ name: 'envoy.access_loggers.http_grpc', typed_config: { '@type': TYPE.grpc, common_config: {} } }])]),
      'envoy.yaml',
    );
    const logger = config.listeners[0]!.accessLoggers[0]!;
    assert.equal(logger.sink, 'other');
    assert.equal(logger.type, 'envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig');
    assert.equal('format' in logger, false);
  });

  it('marks loggers that have a filter', () => {
    const logger = onlyLogger(httpListener('l', [{ ...stdoutLogger(), filter: { status_code_filter: {} } }]));
    assert.equal(logger.filtered, true);
  });

  it('unwraps a TypedStruct logger config', () => {
    const typedStruct = {
      name: 'x',
      typed_config: { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', type_url: TYPE.stdout, value: { log_format: { text_format: '%RESPONSE_CODE%\n' } } },
    };
    const logger = onlyLogger(httpListener('l', [typedStruct]));
    assert.deepEqual([logger.sink, logger.format], ['stdout', { type: 'text', text: '%RESPONSE_CODE%\n' }]);
  });
});

describe('readEnvoyConfigFile: ConfigMaps and manifests', () => {
  const indent = (text: string) => text.replace(/^(?=.)/gm, '    ');
  const inner = 'static_resources:\n  listeners:\n  - name: only\n    access_log:\n    - typed_config:\n        "@type": ' + TYPE.stdout + '\n';

  it('takes the one .json key when there is no envoy.yaml, with approximate lines for a quoted value', () => {
    const configMap = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'proxy' }, data: { 'README.md': 'hi', 'bootstrap.json': inner } }, null, 2);
    const config = readEnvoyConfigFile(configMap, 'cm.json');
    assert.deepEqual(config.origin, { kind: 'configmap', name: 'proxy', key: 'bootstrap.json', lines: 'approximate' });
    assert.equal(config.listeners[0]!.name, 'only');
    assert.equal(config.listeners[0]!.line, 9, 'the line where the quoted value starts');
  });

  it('prefers envoy.yaml over other YAML keys', () => {
    const configMap = `kind: ConfigMap\napiVersion: v1\ndata:\n  other.yaml: |\n${indent('static_resources: {}\n')}  envoy.yaml: |\n${indent(inner)}`;
    const config = readEnvoyConfigFile(configMap, 'cm.yaml');
    assert.equal(config.origin.kind === 'configmap' && config.origin.key, 'envoy.yaml');
    assert.equal(config.listeners[0]!.line, 9);
  });

  it('finds the ConfigMap in a multi-document manifest', () => {
    const manifest = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: envoy}\ndata:\n  envoy.yaml: |\n${indent(inner)}`;
    const config = readEnvoyConfigFile(manifest, 'all.yaml');
    assert.equal(config.origin.kind === 'configmap' && config.origin.name, 'envoy');
    assert.equal(config.listeners[0]!.line, 12);
  });

  it('follows YAML anchors, aliases and merge keys', () => {
    const yaml = [
      'logger: &log',
      '  typed_config:',
      `    "@type": ${TYPE.stdout}`,
      '    log_format: {text_format: "%RESPONSE_CODE%\\n"}',
      'base: &base {type: STRICT_DNS, lb_policy: RANDOM}',
      'static_resources:',
      '  listeners:',
      '  - {name: a, access_log: [*log]}',
      '  - {name: b, access_log: [*log]}',
      '  clusters:',
      '  - <<: *base',
      '    name: merged',
    ].join('\n');
    const config = readEnvoyConfigFile(yaml, 'envoy.yaml');
    assert.deepEqual(config.listeners.map((l) => textLogger(l.accessLoggers[0]).format), [
      { type: 'text', text: '%RESPONSE_CODE%\n' },
      { type: 'text', text: '%RESPONSE_CODE%\n' },
    ]);
    assert.deepEqual(config.clusters.map((c) => [c.name, c.type, c.lbPolicy]), [['merged', 'STRICT_DNS', 'RANDOM']]);
  });

  it('accepts enums by number and, like Envoy, names in any case; cluster_type extensions by name', () => {
    const config = readEnvoyConfigFile(
      bootstrapText([], [
        { name: 'a', type: 2, lb_policy: 'maglev' },
        { name: 'b', cluster_type: { name: 'envoy.clusters.dynamic_forward_proxy', typed_config: {} }, lb_policy: 'CLUSTER_PROVIDED' },
      ]),
      'envoy.yaml',
    );
    assert.deepEqual(config.clusters.map((c) => [c.type, c.extension, c.lbPolicy]), [
      ['LOGICAL_DNS', undefined, 'MAGLEV'],
      ['EXTENSION', 'envoy.clusters.dynamic_forward_proxy', 'CLUSTER_PROVIDED'],
    ]);
  });

  it('reads a bootstrap without static_resources (all from xDS) as empty', () => {
    const config = readEnvoyConfigFile('dynamic_resources:\n  ads_config: {}\n', 'envoy.yaml');
    assert.deepEqual([config.listeners, config.clusters], [[], []]);
  });
});
