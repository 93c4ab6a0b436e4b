import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EnvoyConfigError, pickAccessLogger, readEnvoyConfigFile } from './envoy-config.ts';
import { bootstrapText, fileLogger, httpListener, stdoutLogger, TYPE } from './testdata/bootstrap.ts';

const seedText = readFileSync(new URL('../../fixtures/seed/envoy-config.configmap.yaml', import.meta.url), 'utf8');

/** Reading `text` fails with exactly `message` (a string) or a message matching it (a RegExp). */
function rejects(text: string, message: string | RegExp, fileName = 'envoy.yaml'): EnvoyConfigError {
  let caught: unknown;
  try {
    readEnvoyConfigFile(text, fileName);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof EnvoyConfigError, `expected an EnvoyConfigError, got ${String(caught)}`);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  return caught;
}

const lines = (...l: string[]) => l.join('\n') + '\n';

/** One listener, one stdout logger whose typed_config holds `config` (YAML lines, indented for that place). */
function stdoutWith(...config: string[]): string {
  return lines(
    'static_resources:',
    '  listeners:',
    '  - name: l',
    '    access_log:',
    '    - name: envoy.access_loggers.stdout',
    '      typed_config:',
    `        "@type": ${TYPE.stdout}`,
    ...config.map((c) => `        ${c}`),
  );
}

const loggerPath = 'static_resources.listeners[0].access_log[0]';

describe('readEnvoyConfigFile errors: syntax and document shape', () => {
  it('reports malformed YAML with its line', () => {
    const err = rejects(lines('static_resources:', '  listeners:', '  - name: a', '    address: port: 1', '  clusters: []'), /^envoy\.yaml:4: not valid YAML: /);
    assert.equal(err.line, 4);
  });

  it('reports malformed YAML inside a ConfigMap at the line of the file', () => {
    const broken = seedText.replace('        filter_chains:', '        filter_chains: filters: x');
    rejects(broken, /^cm\.yaml:17: not valid YAML: /, 'cm.yaml');
  });

  it('reports an error inside a ConfigMap at the line of the file', () => {
    const broken = seedText.replace('port_value: 10000\n    admin', 'port_value: many\n    admin');
    rejects(
      broken,
      'cm.yaml:60: static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: ' +
        'expected a whole number from 0 to 65535, found the string "many"',
      'cm.yaml',
    );
  });

  it('places errors in a quoted ConfigMap value at its start, with the line inside the value', () => {
    const configMap = JSON.stringify({ kind: 'ConfigMap', data: { 'envoy.yaml': 'static_resources:\n  clusters:\n  - type: STATIC\n' } }, null, 2);
    rejects(configMap, 'cm.json:4 (line 3 of data["envoy.yaml"]): static_resources.clusters[0]: missing "name" (every cluster needs a name)', 'cm.json');
  });

  it('rejects an empty file, a top level that is not a mapping, and another Kubernetes kind', () => {
    rejects('# nothing\n', 'envoy.yaml: the file is empty; expected an Envoy bootstrap (envoy.yaml) or a ConfigMap holding one');
    rejects('- a\n- b\n', 'envoy.yaml:1: expected an Envoy bootstrap or a Kubernetes ConfigMap (a mapping), found a list');
    rejects('apiVersion: apps/v1\nkind: Deployment\n', /^envoy\.yaml:1: this is a Kubernetes Deployment; expected a ConfigMap/);
  });

  it('rejects a ConfigMap without an envoy key, naming its keys', () => {
    rejects(
      lines('kind: ConfigMap', 'data:', '  nginx.conf: "x"', '  README: "y"'),
      'cm.yaml:3: data: no envoy.yaml key, and its keys are "nginx.conf", "README"; expected envoy.yaml or exactly one key ending in .yaml, .yml or .json',
      'cm.yaml',
    );
    rejects(lines('kind: ConfigMap', 'metadata: {name: x}'), 'cm.yaml:1: missing "data" (the ConfigMap should hold envoy.yaml under data)', 'cm.yaml');
    rejects(lines('kind: ConfigMap', 'data:', '  envoy.yaml:', '    static_resources: {}'), 'cm.yaml:4: data["envoy.yaml"]: expected the envoy.yaml text (a string, usually a "envoy.yaml: |" block), found a mapping', 'cm.yaml');
  });

  it('rejects a ConfigMap with several candidate keys and no envoy.yaml, naming them', () => {
    rejects(lines('kind: ConfigMap', 'data:', '  a.yaml: "x: 1"', '  b.json: "{}"'), /^cm\.yaml:3: data: no envoy\.yaml key, and it has a\.yaml, b\.json; /, 'cm.yaml');
  });

  it('rejects a manifest with two Envoy ConfigMaps', () => {
    const cm = (name: string) => lines('kind: ConfigMap', `metadata: {name: ${name}}`, 'data:', '  envoy.yaml: "static_resources: {}"');
    rejects(`${cm('one')}---\n${cm('two')}`, /^all\.yaml: holds 2 Envoy configs \(ConfigMap one at line 1, ConfigMap two at line 6\); /, 'all.yaml');
  });
});

describe('readEnvoyConfigFile errors: missing fields and wrong types', () => {
  it('names the cluster without a name, in the documented style', () => {
    rejects(lines('static_resources:', '  clusters:', '  - type: STATIC', '    lb_policy: RANDOM'), 'envoy.yaml:3: static_resources.clusters[0]: missing "name" (every cluster needs a name)');
  });

  it('names a FileAccessLog without path', () => {
    const text = bootstrapText([httpListener('l', [fileLogger('/x', { format: '%RESPONSE_CODE%' })])]).replace('"path": "/x",', '');
    rejects(text, /^envoy\.yaml:\d+: static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.access_log\[0\]\.typed_config: missing "path" \(a FileAccessLog writes to a path\)$/);
  });

  it('names a log_format with none of its alternatives', () => {
    rejects(stdoutWith('log_format:', '  omit_empty_values: true'), `envoy.yaml:9: ${loggerPath}.typed_config.log_format: expected one of text_format, text_format_source or json_format`);
  });

  it('refuses a log_format with two alternatives', () => {
    rejects(stdoutWith('log_format:', '  text_format: "%RESPONSE_CODE%"', '  json_format: {a: "%RESPONSE_CODE%"}'), /log_format: has both text_format and json_format; Envoy takes exactly one$/);
  });

  it('names a typed_config without @type', () => {
    const text = lines('static_resources:', '  listeners:', '  - name: l', '    access_log:', '    - typed_config:', '        path: /x');
    rejects(text, `envoy.yaml:6: ${loggerPath}.typed_config: missing "@type" (typed_config says what it configures with "@type")`);
  });

  it('reports wrong types with what was found', () => {
    rejects('static_resources:\n  listeners: "all of them"\n', 'envoy.yaml:2: static_resources.listeners: expected a list, found the string "all of them"');
    rejects('static_resources:\n  listeners:\n  - name: [a, b]\n', 'envoy.yaml:3: static_resources.listeners[0].name: expected a string, found a list');
    rejects('static_resources:\n  listeners:\n  - 42\n', 'envoy.yaml:3: static_resources.listeners[0]: expected a listener (a mapping), found the number 42');
    rejects(stdoutWith('log_format: {text_format: "x", omit_empty_values: maybe}'), /log_format\.omit_empty_values: expected true or false, found the string "maybe"$/);
    rejects('static_resources:\n  clusters:\n  - {name: c, type: DNS_PLEASE}\n', 'envoy.yaml:3: static_resources.clusters[0].type: unknown value "DNS_PLEASE"; expected one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST');
    rejects('static_resources:\n  clusters:\n  - {name: c, dns_refresh_rate: 5m}\n', /clusters\[0\]\.dns_refresh_rate: expected a duration in seconds like "5s"/);
  });

  it('accepts a number as a name, as written', () => {
    const config = readEnvoyConfigFile('static_resources:\n  listeners:\n  - name: 0800\n', 'envoy.yaml');
    assert.equal(config.listeners[0]!.name, '0800');
  });

  it('refuses duplicate listener and cluster names, as Envoy does', () => {
    rejects('static_resources:\n  listeners:\n  - name: a\n  - name: a\n', 'envoy.yaml:4: static_resources.listeners[1]: a second listener named "a"; Envoy refuses duplicate names');
    rejects('static_resources:\n  clusters:\n  - name: c\n  - name: c\n', /^envoy\.yaml:4: static_resources\.clusters\[1\]: a second cluster named "c"/);
  });
});

describe('readEnvoyConfigFile errors: types and formats', () => {
  it('rejects an unknown @type for a stdout logger, naming the expected one', () => {
    rejects(
      stdoutWith().replace('StdoutAccessLog', 'StdOutAccessLog'),
      `envoy.yaml:7: ${loggerPath}.typed_config.@type: unknown access logger @type envoy.extensions.access_loggers.stream.v3.StdOutAccessLog; ` +
        'expected envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
    );
  });

  it('rejects a wrong @type for the HTTP connection manager and for the router', () => {
    const hcm = bootstrapText([httpListener('l', [stdoutLogger()])]).replace(TYPE.hcm, 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxyy');
    rejects(hcm, /filters\[0\]\.typed_config\.@type: unknown @type envoy\.extensions\.filters\.network\.tcp_proxy\.v3\.TcpProxyy for network filter envoy\.filters\.network\.http_connection_manager; expected envoy\.extensions\.filters\.network\.http_connection_manager\.v3\.HttpConnectionManager$/);
    const router = bootstrapText([httpListener('l', [stdoutLogger()])]).replace(TYPE.router, 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Ruoter');
    rejects(router, /http_filters\[0\]\.typed_config\.@type: unknown @type envoy\.extensions\.filters\.http\.router\.v3\.Ruoter for HTTP filter envoy\.filters\.http\.router; expected envoy\.extensions\.filters\.http\.router\.v3\.Router$/);
  });

  it('names the path, line and format column of a bad operator in a text format', () => {
    rejects(stdoutWith('log_format:', '  text_format: "%RESPONSE_CODE% %NOPE%\\n"'), `envoy.yaml:9: ${loggerPath}.typed_config.log_format.text_format: unknown command operator %NOPE% (format column 17)`);
  });

  it('checks every logger, also in the seed ConfigMap and in json_format values', () => {
    rejects(seedText.replace('%RESPONSE_CODE% %BYTES_SENT%', '%RESPONSE_CODE% %BYTES_SENT(x)%'), /^cm\.yaml:46: static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.access_log\[0\]\.typed_config\.log_format\.text_format: %BYTES_SENT% takes no argument \(format column \d+\)$/, 'cm.yaml');
    rejects(stdoutWith('log_format:', '  json_format:', '    outer:', '      inner: "%REQ()%"'), /^envoy\.yaml:10: .*log_format\.json_format: json_format key outer\.inner: %REQ% needs an argument/);
  });

  it('explains that a filename DataSource cannot be read and suggests --format', () => {
    rejects(
      stdoutWith('log_format:', '  text_format_source:', '    filename: /etc/envoy/format.txt'),
      `envoy.yaml:10: ${loggerPath}.typed_config.log_format.text_format_source.filename: the format is in the file "/etc/envoy/format.txt" inside the Envoy container, ` +
        'which envoy-lens cannot read; give the format itself with --format',
    );
  });

  it('rejects inline_bytes that are not base64 or not UTF-8', () => {
    rejects(stdoutWith('log_format: {text_format_source: {inline_bytes: "not base64!"}}'), /inline_bytes: expected base64/);
    rejects(stdoutWith(`log_format: {text_format_source: {inline_bytes: "${Buffer.from([0xff, 0xfe]).toString('base64')}"}}`), /inline_bytes: the decoded inline_bytes are not UTF-8 text$/);
  });

  it('rejects both typed_config and config on one entry', () => {
    rejects(stdoutWith().replace('      typed_config:', '      config: {}\n      typed_config:'), /access_log\[0\]: has both typed_config and config/);
  });
});

describe('readEnvoyConfigFile errors: hostile input', () => {
  it('stops an alias bomb', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]`);
    rejects(lines(...levels), /^envoy\.yaml:1: not usable YAML: Excessive alias count/);
  });

  it('stops aliases that multiply listeners beyond what the file size allows', () => {
    const many = Array(400).fill('*l').join(',');
    const text = lines(
      `chains: &c [${Array(400).fill('{filters: [{name: envoy.filters.network.http_connection_manager, typed_config: {"@type": ' + TYPE.hcm + '}}]}').join(',')}]`,
      'listener: &l {filter_chains: *c}',
      `static_resources: {listeners: [${many}]}`,
    );
    rejects(text, /far more entries than its size allows/);

    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}: "%RESPONSE_CODE%"`).join(', ');
    const uses = Array.from({ length: 500 }, (_, i) => `u${i}: *big`).join(', ');
    rejects(stdoutWith(`big: &big {${keys}}`, `log_format: {json_format: {${uses}}}`), /json_format: the document expands to far more entries/);
  });

  it('survives deep nesting, cycles and absurd sizes with an EnvoyConfigError', () => {
    rejects(`static_resources: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, /^envoy\.yaml:1: not valid YAML: /);
    rejects(stdoutWith('log_format:', '  json_format: &j {a: "%RESPONSE_CODE%", self: *j}'), /json_format: nested more than 64 levels deep$/);
    rejects('#'.repeat(8 * 1024 * 1024 + 1), /far larger than an Envoy bootstrap/);
    assert.throws(() => readEnvoyConfigFile(undefined as unknown as string, 'x.yaml'), EnvoyConfigError);
    assert.throws(() => pickAccessLogger({} as never), EnvoyConfigError);
  });

  it('throws nothing but EnvoyConfigError when any value of the seed is replaced by something of the wrong type', () => {
    const seedLines = seedText.split('\n');
    const wrong = ['[]', '{}', '"text"', '-7', '~', '[[1]]', '{"@type": x}', '*nope', '"%BAD%"'];
    let accepted = 0;
    let rejected = 0;
    for (const [i, line] of seedLines.entries()) {
      const m = /^(\s*(?:- )?[\w@".]+:)\s*\S/.exec(line);
      if (!m) continue;
      for (const value of wrong) {
        const mutated = [...seedLines.slice(0, i), `${m[1]} ${value}`, ...seedLines.slice(i + 1)].join('\n');
        try {
          pickAccessLogger(readEnvoyConfigFile(mutated, 'cm.yaml'));
          accepted++;
        } catch (err) {
          assert.ok(err instanceof EnvoyConfigError, `line ${i + 1} = ${value}: ${String(err)}`);
          assert.match(err.message, /^cm\.yaml(:\d+)?[: ]/);
          rejected++;
        }
      }
    }
    assert.ok(accepted > 0 && rejected > 0, `${accepted} accepted, ${rejected} rejected`);
  });
});
