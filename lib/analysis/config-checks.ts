// The config rules (EL0002–EL0007): what an Envoy bootstrap will do once traffic flows, read from the config and the
// Services alone. Each rule's explanation (rules.ts) says when it must stay quiet; the checks follow it to the letter.
import { isIP } from 'node:net';
import { stringify } from 'yaml';
import type { ClusterConfig, EnvoyConfig, SocketAddress, TextAccessLogger } from '../envoy/envoy-config.ts';
import { tokenizeFormat, type OperatorToken } from '../envoy/format-tokens.ts';
import type { ConfigMapInfo, ServiceInfo } from './analysis-input.ts';
import type { Finding, FindingFix, FindingLocation, ResourceRef } from './finding.ts';
import { headlessFix, strictDnsFix, type EnvoyConfigSource } from './headless-fix.ts';
import type { PodEnvoyConfig } from './pod-configs.ts';
import { RULES, type RuleCode } from './rules.ts';

export type ConfigMapRef = { namespace: string; name: string; key: string };

export interface ConfigCheckContext {
  /** The namespace of the pods running the config: a one-label Service name resolves there. */
  namespace: string;
  /** The Services of the cluster; null when unknown, which skips the rules that need them (EL0002–EL0004). */
  services: readonly ServiceInfo[] | null;
  /** Namespaces that exist (a `name.ns` address is a Service name only when ns is one); default: those of the
   * Services, plus `namespace`. */
  namespaces?: ReadonlySet<string>;
  /** Where the config came from: a ConfigMap key, or a file (which may itself hold a ConfigMap). */
  configMap?: ConfigMapRef;
  file?: string;
  /** What the findings are about: the ConfigMap, or a File for `check --config`. */
  resource: ResourceRef;
  /** Also silenced by these objects' suppress annotation. */
  related?: ResourceRef[];
  /** The config text, so fixes can carry the edited file. */
  source?: EnvoyConfigSource;
  /** Added to every finding's evidence (e.g. the pods that run the config). */
  evidence?: Record<string, unknown>;
}

/** What a cluster address names, by its shape. */
export type AddressTarget =
  | { kind: 'ip' }
  | { kind: 'external' }
  | { kind: 'service'; namespace: string; name: string }
  /** One pod by DNS (`web-0.web.ns.svc.cluster.local`, `10-1-2-3.ns.pod.cluster.local`): not a Service's balance. */
  | { kind: 'pod' };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Reads an address the way a pod's resolver would: `name` (pod's namespace), `name.ns`, `name.ns.svc`,
 * `name.ns.svc.cluster.local`; case and a trailing dot do not matter. */
export function addressTarget(address: string, podNamespace: string, namespaces: ReadonlySet<string>): AddressTarget {
  const host = address.trim().replace(/^\[|\]$/g, '');
  if (isIP(host)) return { kind: 'ip' };
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  if (!labels.every((l) => DNS_LABEL.test(l)) || host === 'localhost') return { kind: 'external' };
  const inCluster = (domain: string[], ns: string) => domain.length === 0 || domain.join('.') === 'cluster.local' || namespaces.has(ns);
  const [a, b, c, d] = labels as [string, string?, string?, string?];
  if (labels.length === 1) return { kind: 'service', namespace: podNamespace, name: a };
  if (labels.length === 2) return namespaces.has(b!) ? { kind: 'service', namespace: b!, name: a } : { kind: 'external' };
  if (c === 'svc' && inCluster(labels.slice(3), b!)) return { kind: 'service', namespace: b!, name: a };
  if ((d === 'svc' && inCluster(labels.slice(4), c!)) || (c === 'pod' && inCluster(labels.slice(3), b!))) return { kind: 'pod' };
  return { kind: 'external' };
}

const isDnsCluster = (c: ClusterConfig) => c.type === 'STRICT_DNS' || c.type === 'LOGICAL_DNS';

/** The Envoy config's findings (EL0002–EL0007). */
export function checkEnvoyConfig(config: EnvoyConfig, ctx: ConfigCheckContext): Finding[] {
  const findings: Finding[] = [];
  const id = ctx.configMap ? `${ctx.configMap.namespace}/${ctx.configMap.name}/${ctx.configMap.key}` : `file:${ctx.file ?? config.fileName}`;
  const where = (line: number, configPath: string): FindingLocation => ({
    ...(ctx.file ? { file: ctx.file } : {}),
    ...(ctx.configMap ? { configMap: { ...ctx.configMap } } : {}),
    line, configPath,
  });
  const add = (code: RuleCode, keyParts: string[], at: { line: number; configPath: string }, message: string,
    evidence: Record<string, unknown>, fix?: FindingFix, related: ResourceRef[] = []) => {
    const all = [...related, ...(ctx.related ?? [])];
    findings.push({
      code, severity: RULES[code].severity, key: [code, id, ...keyParts].join('|'), resource: ctx.resource,
      ...(all.length ? { related: all } : {}),
      location: where(at.line, at.configPath), title: RULES[code].name, message,
      ...(fix ? { fix } : {}),
      firstSeenMs: null, lastSeenMs: null, evidence: { ...evidence, ...ctx.evidence },
    });
  };

  if (ctx.services) checkClusters(config, ctx, ctx.services, add);
  checkAccessLogs(config, add);
  return findings;
}

type Add = (code: RuleCode, keyParts: string[], at: { line: number; configPath: string }, message: string,
  evidence: Record<string, unknown>, fix?: FindingFix, related?: ResourceRef[]) => void;

function checkClusters(config: EnvoyConfig, ctx: ConfigCheckContext, services: readonly ServiceInfo[], add: Add): void {
  const live = services.filter((s) => s.deletedMs === null);
  const byName = new Map(live.map((s) => [`${s.namespace}/${s.name}`, s]));
  const namespaces = ctx.namespaces ?? new Set([ctx.namespace, ...live.map((s) => s.namespace)]);
  for (const cluster of config.clusters.filter(isDnsCluster)) {
    // Endpoints grouped by the Service they name, so two endpoints on one Service make one finding.
    const named = new Map<string, { target: { namespace: string; name: string }; endpoints: SocketAddress[] }>();
    for (const endpoint of cluster.endpoints) {
      const target = addressTarget(endpoint.address, ctx.namespace, namespaces);
      if (target.kind !== 'service') continue;
      const key = `${target.namespace}/${target.name}`;
      const entry = named.get(key) ?? { target, endpoints: [] };
      entry.endpoints.push(endpoint);
      named.set(key, entry);
    }
    for (const [key, { target, endpoints }] of named) {
      const service = byName.get(key);
      const addresses = [...new Set(endpoints.map((e) => e.address))];
      const shown = endpoints.map((e) => (e.port === undefined ? e.address : `${e.address}:${e.port}`)).join(', ');
      const evidence = { cluster: cluster.name, clusterType: cluster.type, addresses, endpointLines: endpoints.map((e) => e.line), service: key };
      const serviceRef: ResourceRef = { kind: 'Service', namespace: target.namespace, name: target.name };
      if (!service) {
        const elsewhere = live.filter((s) => s.name === target.name).map((s) => s.namespace);
        const hint = elsewhere.length ? ` (a Service ${target.name} exists in ${elsewhere.join(', ')})` : '';
        add('EL0004', [cluster.name, key], cluster,
          `cluster ${cluster.name} (${cluster.type}) sends to ${shown}, which names Service ${key}, but no such Service exists${hint}: DNS will fail and requests will get 503 UH.`,
          evidence, { summary: `Correct the address of cluster ${cluster.name} or create the Service ${key}.` });
        continue;
      }
      if (service.type === 'ExternalName' || service.clusterIP === null) continue;
      if (service.clusterIP === 'None') {
        if (cluster.type !== 'LOGICAL_DNS') continue;
        add('EL0003', [cluster.name, key], cluster,
          `cluster ${cluster.name} is LOGICAL_DNS on the headless Service ${key}: Envoy uses only the first pod IP DNS returns, so every new connection goes to one pod.`,
          evidence, strictDnsFix(cluster.name, ctx.source), [serviceRef]);
        continue;
      }
      const ip = service.clusterIP ? ` (${service.clusterIP})` : '';
      const { fix } = headlessFix({
        service, services: live, cluster: cluster.name, addresses,
        ports: endpoints.flatMap((e) => (e.port === undefined ? [] : [e.port])),
        ...(ctx.source ? { source: ctx.source } : {}),
      });
      add('EL0002', [cluster.name, key], cluster,
        `cluster ${cluster.name} (${cluster.type}) sends to ${shown}, the ClusterIP Service ${key}${ip}: DNS answers with one virtual IP, so Envoy will balance over a single host while kube-proxy picks the pods.`,
        { ...evidence, clusterIP: service.clusterIP }, fix, [serviceRef]);
    }
  }
}

/** Every command operator of a text or json_format format (json values are walked; non-strings hold none). */
export function formatOperators(logger: TextAccessLogger): OperatorToken[] {
  const strings: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(logger.format.type === 'text' ? logger.format.text : logger.format.json);
  return strings.flatMap((s) => tokenizeFormat(s).filter((t): t is OperatorToken => t.type === 'operator'));
}

const logsUpstreamHost = (ops: OperatorToken[]) => ops.some((o) => o.name === 'UPSTREAM_HOST');
const logsRequestId = (ops: OperatorToken[]) =>
  // As the record mapper reads it: the first header of the operator, so `%REQ(X-B3-TRACEID?X-REQUEST-ID)%` does not count.
  ops.some((o) => (o.name === 'REQ' || o.name === 'REQUEST_HEADER') && (o.arg ?? '').split('?')[0]!.trim().toUpperCase() === 'X-REQUEST-ID');

const scopeWords: Record<TextAccessLogger['scope'], string> = {
  http_connection_manager: 'HTTP', listener: 'listener', tcp_proxy: 'TCP proxy', router_upstream: 'upstream',
};

function checkAccessLogs(config: EnvoyConfig, add: Add): void {
  const loggers = config.listeners.flatMap((l) => l.accessLoggers);
  const stdout = loggers.filter((l): l is TextAccessLogger => l.sink !== 'other' && l.output === 'stdout');
  // A listener's own access_log writes one line per connection no filter chain took: no upstream, no request.
  for (const logger of stdout.filter((l) => l.scope !== 'listener')) {
    const ops = formatOperators(logger);
    const what = `the ${scopeWords[logger.scope]} access log of listener ${logger.listener}`;
    const evidence = { listener: logger.listener, scope: logger.scope, formatPath: logger.formatPath ?? null };
    if (!logsUpstreamHost(ops)) {
      add('EL0005', [logger.listener, logger.configPath], logger,
        `${what} writes to stdout without %UPSTREAM_HOST%: envoy-lens cannot tell which pod served each request.`,
        evidence, formatFix(logger, '%UPSTREAM_HOST%', 'upstream_host'));
    }
    if (logger.scope !== 'tcp_proxy' && !logsRequestId(ops)) {
      add('EL0006', [logger.listener, logger.configPath], logger,
        `${what} writes to stdout without %REQ(X-REQUEST-ID)%: one request cannot be followed across sidecars.`,
        evidence, formatFix(logger, '%REQ(X-REQUEST-ID)%', 'x_request_id'));
    }
  }
  const first = config.listeners[0];
  if (stdout.length === 0 && first) {
    const others = loggers.map((l) => (l.sink === 'other' ? l.type : `${l.output}${l.path && l.output === 'file' ? ` ${l.path}` : ''}`));
    const seen = others.length ? ` (it has ${others.length} access log${others.length > 1 ? 's' : ''}: ${[...new Set(others)].join(', ')})` : '';
    const entry = { name: 'envoy.access_loggers.stdout', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog' } };
    add('EL0007', [], first,
      `no listener writes a text access log to stdout${seen}: kubectl logs and envoy-lens see no requests.`,
      { listeners: config.listeners.map((l) => l.name), accessLogs: others },
      {
        summary: `Add a StdoutAccessLog (Envoy's default format logs %UPSTREAM_HOST% and %REQ(X-REQUEST-ID)%) to the access_log of the HTTP connection manager of listener ${first.name}.`,
        files: [{ name: 'access-log.yaml', description: 'the access_log entry to add to the HttpConnectionManager typed_config', text: stringify({ access_log: [entry] }, { lineWidth: 0 }) }],
      });
  }
}

/** Says which operator to add, and shows the format with it appended (text) or added under a new key (JSON). */
function formatFix(logger: TextAccessLogger, operator: string, jsonKey: string): FindingFix {
  const at = logger.formatPath ? ` at ${logger.formatPath}` : ' (the logger uses Envoy\'s default format; configure log_format)';
  const leaf = logger.formatPath?.split('.').pop();
  let text: string;
  if (logger.format.type === 'json') {
    let key = jsonKey;
    for (let n = 2; key in logger.format.json; n++) key = `${jsonKey}_${n}`;
    text = stringify({ json_format: { ...logger.format.json, [key]: operator } }, { lineWidth: 0 });
  } else {
    const format = logger.format.text;
    const added = format.endsWith('\n') ? `${format.slice(0, -1)} ${operator}\n` : `${format} ${operator}`;
    text = stringify({ [leaf && leaf !== 'inline_bytes' ? leaf : 'text_format']: added }, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  }
  return {
    summary: `Add ${operator} to the access-log format${at}.`,
    files: [{ name: 'access-log-format.yaml', description: `the format with ${operator} added:\n${text.trimEnd()}`, text }],
  };
}

/** A config that could not be read, with the pods that run it. */
export interface ConfigReadProblem {
  configMap: ConfigMapRef | null;
  container: string;
  pods: string[];
  error: string;
}

export interface PodConfigCheck {
  findings: Finding[];
  /** Configs that could not be read: reported, not checked. */
  errors: ConfigReadProblem[];
}

/** Checks each distinct config once: pods that mount one ConfigMap key share its findings (listed in evidence). */
export function checkPodConfigs(
  podConfigs: readonly PodEnvoyConfig[],
  services: readonly ServiceInfo[] | null,
  options: { configMaps?: readonly ConfigMapInfo[]; namespaces?: ReadonlySet<string> } = {},
): PodConfigCheck {
  const groups = new Map<string, PodEnvoyConfig[]>();
  for (const pc of podConfigs) {
    const key = pc.configMap ? `cm:${pc.configMap.namespace}/${pc.configMap.name}/${pc.configMap.key}` : `pod:${pc.pod.namespace}/${pc.pod.name}/${pc.container}`;
    groups.set(key, [...(groups.get(key) ?? []), pc]);
  }
  const namespaces = options.namespaces
    ?? new Set([...(services ?? []).map((s) => s.namespace), ...podConfigs.map((p) => p.pod.namespace)]);
  const findings: Finding[] = [];
  const errors: ConfigReadProblem[] = [];
  for (const group of groups.values()) {
    const { configMap: ref, config, error, container, pod } = group[0]!;
    const pods = [...new Set(group.map((g) => `${g.pod.namespace}/${g.pod.name}`))];
    if (!config) {
      errors.push({ configMap: ref, container, pods, error: error ?? 'the config could not be read' });
      continue;
    }
    // The workloads running the config (as `Kind/name`, the form suppression matches on) and their pods.
    const workloads = new Map<string, ResourceRef>(group.map((g) => [`${g.pod.namespace}/${g.pod.workload.kind}/${g.pod.workload.name}`, { kind: 'Workload', namespace: g.pod.namespace, name: `${g.pod.workload.kind}/${g.pod.workload.name}` }]));
    for (const g of group) workloads.set(`pod:${g.pod.namespace}/${g.pod.name}`, { kind: 'Pod', namespace: g.pod.namespace, name: g.pod.name });
    const configMap = ref ? options.configMaps?.find((c) => c.namespace === ref.namespace && c.name === ref.name) : undefined;
    findings.push(...checkEnvoyConfig(config, {
      namespace: ref?.namespace ?? pod.namespace,
      services,
      namespaces,
      ...(ref ? { configMap: ref } : { file: `${pod.namespace}/${pod.name} ${container} --config-yaml` }),
      resource: ref ? { kind: 'ConfigMap', namespace: ref.namespace, name: ref.name } : { kind: 'Pod', namespace: pod.namespace, name: pod.name },
      related: [...workloads.values()],
      ...(configMap && ref ? { source: { kind: 'configMap', configMap, key: ref.key } } : {}),
      evidence: { pods },
    }));
  }
  return { findings, errors };
}
