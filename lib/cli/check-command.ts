// envoy-lens check: the config rules (EL0002–EL0007) over one envoy.yaml or ConfigMap file, like a linter. The
// Services that decide what a cluster address means come from the cluster (--kubeconfig / --context) or from a file
// (--services); with neither, the rules that need them are skipped and stderr says so.
import { findingText } from './finding-text.ts';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { ServiceInfo } from '../analysis/analysis-input.ts';
import { checkEnvoyConfig, type ConfigMapRef } from '../analysis/config-checks.ts';
import type { Finding } from '../analysis/finding.ts';
import { readEnvoyConfigFile } from '../envoy/envoy-config.ts';
import { KubeClient } from '../kube/kube-client.ts';
import { UsageError } from './usage-error.ts';

export interface CheckOptions {
  /** envoy.yaml, or a file holding a ConfigMap with one. */
  config: string;
  /** A file of Service manifests (multi-document YAML or a List): offline mode. */
  services?: string;
  kubeconfig?: string;
  context?: string;
  /** Where one-label Service names resolve; default: the ConfigMap's namespace, else the context's, else default. */
  namespace?: string;
  json: boolean;
}

export interface CheckOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Kubernetes Service objects (as served or as manifests) → ServiceInfo. */
export function serviceInfoOf(obj: unknown, defaultNamespace: string): ServiceInfo | null {
  const o = obj as { kind?: unknown; metadata?: Record<string, unknown>; spec?: Record<string, unknown> } | null;
  if (!o || o.kind !== 'Service' || typeof o.metadata?.name !== 'string') return null;
  const spec = o.spec ?? {};
  const type = typeof spec.type === 'string' ? spec.type : 'ClusterIP';
  const strings = (v: unknown) => (v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {});
  return {
    namespace: typeof o.metadata.namespace === 'string' ? o.metadata.namespace : defaultNamespace,
    name: o.metadata.name,
    uid: typeof o.metadata.uid === 'string' ? o.metadata.uid : '',
    // A manifest without clusterIP gets one allocated on create: still a ClusterIP Service.
    clusterIP: type === 'ExternalName' ? null : typeof spec.clusterIP === 'string' ? spec.clusterIP : '',
    type,
    selector: strings(spec.selector),
    ports: Array.isArray(spec.ports) ? (spec.ports as ServiceInfo['ports']) : [],
    labels: strings(o.metadata.labels),
    annotations: strings(o.metadata.annotations),
    deletedMs: null,
  };
}

/** The objects of a YAML/JSON file, `kind: List` (and `…List`) items flattened. */
function objectsIn(text: string, fileName: string): unknown[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  const out: unknown[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) throw new UsageError(`${fileName}:${error.linePos?.[0]?.line ?? '?'}: not valid YAML: ${error.message.split('\n')[0]}`);
    const value = doc.toJS() as { kind?: unknown; items?: unknown } | null;
    if (value && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) out.push(...value.items);
    else if (value) out.push(value);
  }
  return out;
}

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${option} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

interface ClusterFacts {
  services: ServiceInfo[];
  namespaces: Set<string>;
  contextNamespace: string;
}

async function clusterFacts(o: CheckOptions): Promise<ClusterFacts> {
  const client = KubeClient.load({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}) });
  const list = await client.getJson<{ items?: unknown[] }>('/api/v1/services');
  const services = (list.items ?? []).flatMap((s) => serviceInfoOf({ kind: 'Service', ...(s as object) }, client.namespace) ?? []);
  let namespaces: Set<string>;
  try {
    const ns = await client.getJson<{ items?: { metadata?: { name?: string } }[] }>('/api/v1/namespaces');
    namespaces = new Set((ns.items ?? []).flatMap((n) => (n.metadata?.name ? [n.metadata.name] : [])));
  } catch {
    // Listing namespaces may be forbidden where listing Services is not: the Services' namespaces are known anyway.
    namespaces = new Set(services.map((s) => s.namespace));
  }
  return { services, namespaces, contextNamespace: client.namespace };
}

/** The namespace and name of the ConfigMap a file holds, when it holds one. */
function configMapIn(text: string, fileName: string, name: string | undefined): { namespace?: string; name: string } | undefined {
  const found = objectsIn(text, fileName).find((o) => {
    const obj = o as { kind?: unknown; metadata?: { name?: unknown } };
    return obj?.kind === 'ConfigMap' && (name === undefined || obj.metadata?.name === name);
  }) as { metadata?: { name?: unknown; namespace?: unknown } } | undefined;
  if (!found) return undefined;
  const ns = found.metadata?.namespace;
  return { name: typeof found.metadata?.name === 'string' ? found.metadata.name : (name ?? '(no name)'), ...(typeof ns === 'string' ? { namespace: ns } : {}) };
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Runs the check; resolves with the exit code: 1 when any finding is an error, else 0. */
export async function runCheck(o: CheckOptions, io: CheckOutput): Promise<number> {
  if (o.services !== undefined && (o.kubeconfig !== undefined || o.context !== undefined)) {
    throw new UsageError('give either --services or --kubeconfig/--context, not both');
  }
  const text = readText(o.config, '--config');
  const config = readEnvoyConfigFile(text, o.config);
  const origin = config.origin;
  const held = origin.kind === 'configmap' ? configMapIn(text, o.config, origin.name) : undefined;

  let facts: ClusterFacts | null = null;
  if (o.kubeconfig !== undefined || o.context !== undefined) {
    facts = await clusterFacts(o);
  } else if (o.services !== undefined) {
    const fallback = o.namespace ?? held?.namespace ?? 'default';
    const services = objectsIn(readText(o.services, '--services'), o.services).flatMap((obj) => serviceInfoOf(obj, fallback) ?? []);
    facts = { services, namespaces: new Set(services.map((s) => s.namespace)), contextNamespace: 'default' };
  } else {
    io.err('envoy-lens: no Services known (give --kubeconfig or --services): skipped EL0002, EL0003 and EL0004, which need them');
  }

  const namespace = o.namespace ?? held?.namespace ?? facts?.contextNamespace ?? 'default';
  const configMap: ConfigMapRef | undefined =
    origin.kind === 'configmap' && held ? { namespace: held.namespace ?? namespace, name: held.name, key: origin.key } : undefined;
  const findings = checkEnvoyConfig(config, {
    namespace,
    services: facts?.services ?? null,
    ...(facts ? { namespaces: new Set([...facts.namespaces, namespace]) } : {}),
    file: o.config,
    ...(configMap ? { configMap, related: [{ kind: 'ConfigMap' as const, namespace: configMap.namespace, name: configMap.name }] } : {}),
    resource: { kind: 'File', name: o.config },
    source: { kind: 'file', fileName: o.config, text },
  }).sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));

  if (o.json) {
    io.out(JSON.stringify(findings, null, 2));
  } else {
    for (const f of findings) io.out(`${findingText(f)}\n`);
    const errors = findings.filter((f) => f.severity === 'error').length;
    io.out(`${count(errors, 'error')}, ${count(findings.filter((f) => f.severity === 'warning').length, 'warning')}`);
  }
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}
