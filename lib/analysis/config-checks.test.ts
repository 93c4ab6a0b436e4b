import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { readEnvoyConfigFile } from '../envoy/envoy-config.ts';
import type { ConfigMapInfo, PodInfo, ServiceInfo } from './analysis-input.ts';
import { addressTarget, checkEnvoyConfig, checkPodConfigs, type ConfigCheckContext } from './config-checks.ts';
import type { Finding } from './finding.ts';
import { podEnvoyConfigs } from './pod-configs.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/seed/${name}`, import.meta.url), 'utf8');
const envoyYamlOf = (file: string) => (parse(fixture(file)) as { data: Record<string, string> }).data['envoy.yaml']!;

function service(name: string, clusterIP: string | null, over: Partial<ServiceInfo> = {}): ServiceInfo {
  return {
    namespace: 'default', name, uid: `uid-${name}`, clusterIP, type: clusterIP === null ? 'ExternalName' : 'ClusterIP',
    selector: { app: 'backend' }, ports: [{ port: 10000, targetPort: 10000 }], labels: {}, annotations: {}, deletedMs: null, ...over,
  };
}

const SEED_SERVICES = [service('backend-service', '10.105.148.194'), service('backend-headless-service', 'None'), service('nginx-test', '10.110.71.55', { type: 'NodePort' })];
const CM = { namespace: 'default', name: 'envoy-config', key: 'envoy.yaml' };
const ctx = (over: Partial<ConfigCheckContext> = {}): ConfigCheckContext => ({
  namespace: 'default', services: SEED_SERVICES, configMap: CM, resource: { kind: 'ConfigMap', namespace: 'default', name: 'envoy-config' }, ...over,
});

const STDOUT = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const GOOD_FORMAT = '%START_TIME% %REQ(X-REQUEST-ID)% %UPSTREAM_HOST%\n';
const stdoutLog = (logFormat?: Record<string, unknown>) => ({ name: 'log', typed_config: { '@type': STDOUT, ...(logFormat ? { log_format: logFormat } : {}) } });

/** A bootstrap with one HTTP listener logging `accessLog` and the clusters given as [name, type, address]. */
function bootstrap(clusters: [string, string, string][], accessLog: unknown[] = [stdoutLog({ text_format: GOOD_FORMAT })], extra: { listeners?: unknown[] } = {}): string {
  return stringify({
    static_resources: {
      listeners: extra.listeners ?? [{
        name: 'ingress', address: { socket_address: { address: '0.0.0.0', port_value: 10000 } },
        filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: 'in', access_log: accessLog, http_filters: [] } }] }],
      }],
      clusters: clusters.map(([name, type, address]) => ({
        name, type, load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address, port_value: 10000 } } } }] }] },
      })),
    },
  });
}

const check = (text: string, over: Partial<ConfigCheckContext> = {}) => checkEnvoyConfig(readEnvoyConfigFile(text, 'envoy.yaml'), ctx(over));
const codes = (findings: Finding[]) => findings.map((f) => f.code);

describe('seed configs', () => {
  test('the ClusterIP config: exactly one EL0002 naming backend-service, with a fix', () => {
    const findings = check(envoyYamlOf('envoy-config.configmap.yaml'), {
      source: { kind: 'configMap', configMap: { ...CM, uid: 'u', annotations: {}, data: { 'envoy.yaml': envoyYamlOf('envoy-config.configmap.yaml') } }, key: 'envoy.yaml' },
    });
    assert.deepEqual(codes(findings), ['EL0002']);
    const [f] = findings as [Finding];
    assert.equal(f.severity, 'error');
    assert.equal(f.title, 'Predicted ClusterIP leak');
    assert.equal(f.key, 'EL0002|default/envoy-config/envoy.yaml|app_service|default/backend-service');
    assert.deepEqual(f.location, { configMap: CM, line: 39, configPath: 'static_resources.clusters[0]' });
    assert.deepEqual(f.resource, { kind: 'ConfigMap', namespace: 'default', name: 'envoy-config' });
    assert.deepEqual(f.related, [{ kind: 'Service', namespace: 'default', name: 'backend-service' }]);
    assert.deepEqual([f.firstSeenMs, f.lastSeenMs], [null, null]);
    assert.match(f.message, /app_service .*backend-service:10000.*default\/backend-service \(10\.105\.148\.194\)/);
    assert.deepEqual(f.fix!.files!.map((x) => x.name), ['backend-service-headless.service.yaml', 'envoy-config.configmap.yaml']);
  });

  test('the headless config: nothing to report', () => {
    assert.deepEqual(check(envoyYamlOf('envoy-config-headless.configmap.yaml')), []);
  });

  test('without Services the cluster rules are skipped', () => {
    assert.deepEqual(check(envoyYamlOf('envoy-config.configmap.yaml'), { services: null }), []);
  });
});

describe('EL0002 predicted ClusterIP leak', () => {
  test('every form of the Service name, either DNS type', () => {
    const forms = ['backend-service', 'backend-service.default', 'backend-service.default.svc', 'Backend-Service.Default.svc.cluster.local.'];
    for (const address of forms) {
      for (const type of ['STRICT_DNS', 'LOGICAL_DNS']) {
        const findings = check(bootstrap([['c', type, address]]));
        assert.deepEqual(codes(findings), ['EL0002'], `${type} ${address}`);
        assert.equal(findings[0]!.evidence.service, 'default/backend-service');
      }
    }
    // A short name resolves in the pods' namespace.
    const other = [service('api', '10.0.0.5', { namespace: 'shop' })];
    assert.deepEqual(codes(check(bootstrap([['c', 'STRICT_DNS', 'api']]), { namespace: 'shop', services: other })), ['EL0002']);
  });

  test('two endpoints on one Service make one finding; a fix without the config text still says what to do', () => {
    const text = bootstrap([['c', 'STRICT_DNS', 'backend-service']]).replace(/(- lb_endpoints:\n)(\s+)(- endpoint:[\s\S]*?port_value: 10000\n)/, (_m, a, ind, ep) => `${a}${ind}${ep}${ind}${ep.replace('backend-service', 'backend-service.default')}`);
    const findings = check(text);
    assert.deepEqual(codes(findings), ['EL0002']);
    assert.deepEqual(findings[0]!.evidence.addresses, ['backend-service', 'backend-service.default']);
    assert.match(findings[0]!.fix!.summary, /Create the headless Service default\/backend-service-headless/);
    assert.deepEqual(findings[0]!.fix!.files!.map((f) => f.name), ['backend-service-headless.service.yaml']);
  });

  test('quiet for headless and ExternalName Services, IPs, outside names and non-DNS clusters', () => {
    const services = [...SEED_SERVICES, service('ext', null)];
    const quiet: [string, string, string][] = [
      ['a', 'STRICT_DNS', 'backend-headless-service'], ['b', 'STRICT_DNS', 'ext.default.svc.cluster.local'],
      ['c', 'STRICT_DNS', '10.105.148.194'], ['d', 'STRICT_DNS', 'api.example.com'], ['e', 'STATIC', '10.0.0.1'],
      ['f', 'LOGICAL_DNS', 'backend-service.example.com'], ['g', 'STRICT_DNS', 'web-0.backend-headless-service.default.svc.cluster.local'],
    ];
    assert.deepEqual(check(bootstrap(quiet), { services }), []);
  });
});

describe('EL0003 LOGICAL_DNS on a headless Service', () => {
  test('flags it with a STRICT_DNS fix', () => {
    const text = bootstrap([['app', 'LOGICAL_DNS', 'backend-headless-service']]);
    const findings = check(text, { file: 'envoy.yaml', configMap: undefined, source: { kind: 'file', fileName: 'envoy.yaml', text } });
    assert.deepEqual(codes(findings), ['EL0003']);
    assert.equal(findings[0]!.severity, 'warning');
    assert.deepEqual(findings[0]!.location, { file: 'envoy.yaml', line: findings[0]!.location!.line, configPath: 'static_resources.clusters[0]' });
    assert.match(findings[0]!.fix!.summary, /STRICT_DNS/);
    assert.equal(readEnvoyConfigFile(findings[0]!.fix!.files![0]!.text, 'x').clusters[0]!.type, 'STRICT_DNS');
  });

  test('quiet for STRICT_DNS on it, and LOGICAL_DNS on a ClusterIP Service is EL0002', () => {
    assert.deepEqual(codes(check(bootstrap([['a', 'STRICT_DNS', 'backend-headless-service'], ['b', 'LOGICAL_DNS', 'backend-service'], ['c', 'LOGICAL_DNS', 'db.example.org']]))), ['EL0002']);
  });
});

describe('EL0004 address names no Service', () => {
  test('flags a missing Service in any in-cluster form, and a deleted one', () => {
    const services = [...SEED_SERVICES, service('gone', '10.0.0.7', { deletedMs: 5 }), service('backend-servce', '10.0.0.8', { namespace: 'staging' })];
    const findings = check(bootstrap([['a', 'STRICT_DNS', 'backend-servce'], ['b', 'STRICT_DNS', 'missing.default.svc.cluster.local'], ['c', 'STRICT_DNS', 'gone'], ['d', 'STRICT_DNS', 'x.kube-system']]),
      { services, namespaces: new Set(['default', 'staging', 'kube-system']) });
    assert.deepEqual(codes(findings), ['EL0004', 'EL0004', 'EL0004', 'EL0004']);
    assert.match(findings[0]!.message, /default\/backend-servce.*exists in staging/);
    assert.equal(findings[3]!.evidence.service, 'kube-system/x');
  });

  test('quiet for IPs, names whose second label is no namespace, existing and ExternalName Services', () => {
    const services = [...SEED_SERVICES, service('ext', null)];
    const quiet: [string, string, string][] = [['a', 'STRICT_DNS', 'fd00::5'], ['b', 'STRICT_DNS', 'db.prod'], ['c', 'STRICT_DNS', 'ext'], ['d', 'STRICT_DNS', 'localhost'], ['e', 'LOGICAL_DNS', 'backend-headless-service.default']];
    assert.deepEqual(codes(check(bootstrap(quiet), { services })), ['EL0003']);
  });
});

test('addressTarget reads the shapes a pod resolver accepts', () => {
  const ns = new Set(['default', 'shop']);
  assert.deepEqual(addressTarget('api', 'shop', ns), { kind: 'service', namespace: 'shop', name: 'api' });
  assert.deepEqual(addressTarget('api.default', 'shop', ns), { kind: 'service', namespace: 'default', name: 'api' });
  assert.deepEqual(addressTarget('API.shop.svc.', 'x', ns), { kind: 'service', namespace: 'shop', name: 'api' });
  assert.deepEqual(addressTarget('api.shop.svc.corp.internal', 'x', ns), { kind: 'service', namespace: 'shop', name: 'api' });
  assert.deepEqual(addressTarget('api.other.svc.corp.internal', 'x', ns), { kind: 'external' });
  assert.deepEqual(addressTarget('10-1-2-3.shop.pod.cluster.local', 'x', ns), { kind: 'pod' });
  assert.deepEqual(addressTarget('10.1.2.3', 'x', ns), { kind: 'ip' });
  assert.deepEqual(addressTarget('my_host', 'x', ns), { kind: 'external' });
});

describe('EL0005 / EL0006 access-log format', () => {
  test('a stdout format lacking each operator: one finding each, with the operator and the format it adds', () => {
    const findings = check(bootstrap([], [stdoutLog({ text_format: '[%START_TIME%] %RESPONSE_CODE%\n' })]));
    assert.deepEqual(codes(findings), ['EL0005', 'EL0006']);
    const [host, id] = findings as [Finding, Finding];
    assert.match(host.fix!.summary, /Add %UPSTREAM_HOST% to the access-log format at .*log_format\.text_format/);
    assert.equal(parse(host.fix!.files![0]!.text).text_format, '[%START_TIME%] %RESPONSE_CODE% %UPSTREAM_HOST%\n');
    assert.equal(parse(id.fix!.files![0]!.text).text_format, '[%START_TIME%] %RESPONSE_CODE% %REQ(X-REQUEST-ID)%\n');
    assert.notEqual(host.key, id.key);
    assert.ok(host.location!.line! > 1);
  });

  test('any header case counts; the default format has both; json_format values are read', () => {
    const spelled = ['%REQ(x-request-id)% %UPSTREAM_HOST%', '%REQ(X-Request-Id?X-B3-TRACEID)% %UPSTREAM_HOST%', '%REQUEST_HEADER(X-REQUEST-ID):36% %UPSTREAM_HOST%'];
    for (const text_format of spelled) assert.deepEqual(check(bootstrap([], [stdoutLog({ text_format })])), [], text_format);
    // Only the first header of an alternative is what a record's request id is read from.
    assert.deepEqual(codes(check(bootstrap([], [stdoutLog({ text_format: '%REQ(X-B3-TRACEID?X-REQUEST-ID)% %UPSTREAM_HOST%' })]))), ['EL0006']);
    assert.deepEqual(check(bootstrap([], [stdoutLog()])), []);
    assert.deepEqual(check(bootstrap([], [stdoutLog({ json_format: { up: { host: '%UPSTREAM_HOST%' }, id: '%REQ(X-REQUEST-ID)%', n: 1 } })])), []);
    const json = check(bootstrap([], [stdoutLog({ json_format: { code: '%RESPONSE_CODE%', upstream_host: 'x' } })]));
    assert.deepEqual(codes(json), ['EL0005', 'EL0006']);
    assert.deepEqual(parse(json[0]!.fix!.files![0]!.text).json_format, { code: '%RESPONSE_CODE%', upstream_host: 'x', upstream_host_2: '%UPSTREAM_HOST%' });
  });

  test('quiet for TCP proxies (EL0006), listener-level logs, and logs not on stdout; /dev/stdout is stdout', () => {
    const tcpListener = { name: 'tcp', filter_chains: [{ filters: [{ name: 'tcp', typed_config: { '@type': TCP, stat_prefix: 't', cluster: 'c', access_log: [stdoutLog({ text_format: '%RESPONSE_CODE%\n' })] } }] }],
      access_log: [stdoutLog({ text_format: '%DOWNSTREAM_REMOTE_ADDRESS%\n' })] };
    assert.deepEqual(codes(check(bootstrap([], [], { listeners: [tcpListener] }))), ['EL0005']);
    const devStdout = { name: 'f', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/dev/stdout', log_format: { text_format: '%RESPONSE_CODE%\n' } } };
    assert.deepEqual(codes(check(bootstrap([], [devStdout]))), ['EL0005', 'EL0006']);
  });
});

describe('EL0007 no access log to stdout', () => {
  test('flags a config with no log, or only stderr / file / gRPC logs', () => {
    const stderr = { name: 'e', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog' } };
    const grpc = { name: 'g', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig' } };
    for (const logs of [[], [stderr], [grpc]]) {
      const findings = check(bootstrap([], logs));
      assert.deepEqual(codes(findings), ['EL0007']);
      assert.equal(findings[0]!.location!.configPath, 'static_resources.listeners[0]');
      assert.match(parse(findings[0]!.fix!.files![0]!.text).access_log[0].typed_config['@type'], /StdoutAccessLog$/);
    }
  });

  test('quiet when any listener logs to stdout, and for a config with no listeners', () => {
    const quietListener = { name: 'admin-ish', filter_chains: [] };
    const loud = { name: 'b', filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: 'b', access_log: [stdoutLog()], http_filters: [] } }] }] };
    assert.deepEqual(check(bootstrap([], [], { listeners: [quietListener, loud] })), []);
    assert.deepEqual(check(bootstrap([], [], { listeners: [] })), []);
  });
});

describe('checkPodConfigs', () => {
  const pod = (name: string, configMap: string): PodInfo => ({
    namespace: 'default', name, uid: name, workload: { kind: 'Deployment', name: 'nginx-test' }, labels: {}, annotations: {}, envoyContainers: ['envoy'], deletedMs: null,
    spec: { containers: [{ name: 'envoy', args: ['-c', '/etc/envoy/envoy.yaml'], volumeMounts: [{ name: 'cfg', mountPath: '/etc/envoy' }] }], volumes: [{ name: 'cfg', configMap: { name: configMap } }] },
  });
  const configMaps: ConfigMapInfo[] = [
    { namespace: 'default', name: 'envoy-config', uid: 'c1', annotations: {}, data: { 'envoy.yaml': envoyYamlOf('envoy-config.configmap.yaml') } },
    { namespace: 'default', name: 'broken', uid: 'c2', annotations: {}, data: { 'envoy.yaml': 'static_resources:\n  clusters: [\n' } },
  ];

  test('pods sharing a ConfigMap share one finding; an unreadable config is an error entry, not a crash', () => {
    const configs = podEnvoyConfigs([pod('a', 'envoy-config'), pod('b', 'envoy-config'), pod('c', 'broken'), pod('d', 'absent')], configMaps);
    const { findings, errors } = checkPodConfigs(configs, SEED_SERVICES, { configMaps });
    assert.deepEqual(codes(findings), ['EL0002']);
    assert.deepEqual(findings[0]!.evidence.pods, ['default/a', 'default/b']);
    assert.deepEqual(findings[0]!.related, [{ kind: 'Service', namespace: 'default', name: 'backend-service' }, { kind: 'Workload', namespace: 'default', name: 'Deployment/nginx-test' }, ...findings[0]!.related!.slice(2)]);
    assert.ok(findings[0]!.related!.slice(2).every((r) => r.kind === 'Pod'));
    assert.deepEqual(findings[0]!.fix!.files!.map((f) => f.name), ['backend-service-headless.service.yaml', 'envoy-config.configmap.yaml']);
    assert.deepEqual(errors.map((e) => [e.configMap?.name, e.pods]), [['broken', ['default/c']], ['absent', ['default/d']]]);
    assert.match(errors[0]!.error, /ConfigMap default\/broken key envoy\.yaml:\d+/);
    assert.match(errors[1]!.error, /was not read/);
  });
});
