import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvoyConfigError, pickAccessLogger, readEnvoyConfigFile, type EnvoyConfig } from './envoy-config.ts';
import { bootstrapText, fileLogger, httpListener, stderrLogger, stdoutLogger, tcpListener, TYPE } from './testdata/bootstrap.ts';

type Obj = Record<string, unknown>;

const config = (...listeners: Obj[]): EnvoyConfig => readEnvoyConfigFile(bootstrapText(listeners), 'envoy.yaml');
const text = (format: string) => ({ text_format: format });

function pickFails(envoy: EnvoyConfig, listener: string | undefined, message: string | RegExp): void {
  assert.throws(
    () => pickAccessLogger(envoy, listener),
    (err: unknown) => {
      assert.ok(err instanceof EnvoyConfigError);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

describe('pickAccessLogger', () => {
  it('prefers stdout, then stderr, then a file, whatever their formats', () => {
    const all = config(httpListener('l', [fileLogger('/var/log/a.log', { format: 'file %RESPONSE_CODE%\n' }), stderrLogger(text('err %RESPONSE_CODE%\n')), stdoutLogger(text('out %RESPONSE_CODE%\n'))]));
    assert.deepEqual(pickAccessLogger(all).format, { type: 'text', text: 'out %RESPONSE_CODE%\n' });
    const noStdout = config(httpListener('l', [fileLogger('/var/log/a.log'), stderrLogger(text('err %RESPONSE_CODE%\n'))]));
    assert.equal(pickAccessLogger(noStdout).sink, 'stderr');
    const fileOnly = config(httpListener('l', [fileLogger('/var/log/a.log')]));
    assert.equal(pickAccessLogger(fileOnly).path, '/var/log/a.log');
  });

  it('counts a file logger writing /dev/stdout as stdout', () => {
    const envoy = config(httpListener('l', [stderrLogger(), fileLogger('/dev/stdout', { format: '%RESPONSE_CODE%\n' })]));
    const picked = pickAccessLogger(envoy);
    assert.deepEqual([picked.sink, picked.output, picked.format], ['file', 'stdout', { type: 'text', text: '%RESPONSE_CODE%\n' }]);
  });

  it('takes equally good loggers that write the same format (JSON key order aside)', () => {
    const same = config(httpListener('l', [stdoutLogger(text('%RESPONSE_CODE%\n'))], { listenerLog: [stdoutLogger(text('%RESPONSE_CODE%\n'))] }));
    assert.equal(pickAccessLogger(same).scope, 'http_connection_manager');
    const json = config(
      httpListener('a', [stdoutLogger({ json_format: { code: '%RESPONSE_CODE%', host: '%UPSTREAM_HOST%' } })]),
      tcpListener('b', [stdoutLogger({ json_format: { host: '%UPSTREAM_HOST%', code: '%RESPONSE_CODE%' } })]),
    );
    assert.equal(pickAccessLogger(json).listener, 'a');
  });

  it('refuses two stdout loggers of one listener with different formats, listing them', () => {
    const envoy = config(httpListener('ingress_listener', [stdoutLogger(text('%RESPONSE_CODE%\n'))], { upstreamLog: [stdoutLogger()] }));
    pickFails(
      envoy,
      undefined,
      'envoy.yaml: listener ingress_listener: 2 stdout access logs with different formats ' +
        '(static_resources.listeners[0].filter_chains[0].filters[0].typed_config.access_log[0] at line 21; ' +
        'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.upstream_log[0] at line 37); ' +
        'envoy-lens cannot tell their lines apart: give the format you want with --format',
    );
  });

  it('treats a different omit_empty_values as a different format', () => {
    const envoy = config(httpListener('l', [stdoutLogger(text('%UPSTREAM_HOST%\n')), stdoutLogger({ ...text('%UPSTREAM_HOST%\n'), omit_empty_values: true })]));
    pickFails(envoy, undefined, /^envoy\.yaml: listener l: 2 stdout access logs with different formats/);
  });

  it('asks for --listener when listeners disagree, and follows it', () => {
    const envoy = config(httpListener('web', [stdoutLogger(text('web %RESPONSE_CODE%\n'))]), tcpListener('db', [stdoutLogger()]));
    pickFails(envoy, undefined, /^envoy\.yaml: its 2 listeners: 2 stdout access logs with different formats \(.*\); pick one with --listener$/);
    assert.deepEqual(pickAccessLogger(envoy, 'web').format, { type: 'text', text: 'web %RESPONSE_CODE%\n' });
    assert.equal(pickAccessLogger(envoy, 'db').formatOrigin, 'default');
  });

  it('names the listeners when the one asked for does not exist', () => {
    const envoy = config(httpListener('web', [stdoutLogger()]), { filter_chains: [] });
    pickFails(envoy, 'api', 'envoy.yaml: no listener "api"; the listeners are web, listener[1]');
  });

  it('says so when there is no access log at all, or only loggers that write no text', () => {
    pickFails(config(httpListener('web', [])), undefined, /^envoy\.yaml: listener web: no access log configured; envoy-lens reads Envoy's access log lines, so add one/);
    const grpc = config(httpListener('web', [{ name: 'grpc', typed_config: { '@type': TYPE.grpc } }]));
    pickFails(grpc, 'web', /^envoy\.yaml: listener web: the access loggers \(envoy\.extensions\.access_loggers\.grpc\.v3\.HttpGrpcAccessLogConfig\) send records elsewhere/);
    pickFails(config(), undefined, /^envoy\.yaml: no listeners in static_resources/);
  });

  it('picks the seed logger through the ConfigMap', () => {
    const envoy = readEnvoyConfigFile(
      'kind: ConfigMap\ndata:\n  envoy.yaml: |\n' + bootstrapText([httpListener('only', [stdoutLogger(text('%UPSTREAM_HOST%\n'))])]).replace(/^/gm, '    ') + '\n',
      'cm.yaml',
    );
    assert.equal(pickAccessLogger(envoy, 'only').line, 24);
  });
});
