// Each pod's Envoy config, as the collector saw it: the pod spec names the ConfigMap key mounted over the bootstrap
// path, the ConfigMap holds the text. Pods that share a ConfigMap share one parsed config.
import { readEnvoyConfigFile, type ClusterConfig, type EnvoyConfig, type LbPolicy } from '../envoy/envoy-config.ts';
import { envoyConfigSource } from '../envoy/config/pod-config-source.ts';
import type { ConfigMapInfo, PodInfo } from './analysis-input.ts';

/** Container names read as Envoy when a pod has several containers. */
export const ENVOY_CONTAINERS = ['envoy', 'istio-proxy'];

export interface PodEnvoyConfig {
  pod: PodInfo;
  container: string;
  /** The ConfigMap and key it came from; null for an inline `--config-yaml`. */
  configMap: { namespace: string; name: string; key: string } | null;
  /** The parsed config, or why it could not be read. */
  config: EnvoyConfig | null;
  error: string | null;
}

const containersOf = (spec: unknown): string[] => {
  const list = (spec as { containers?: unknown } | null)?.containers;
  return Array.isArray(list) ? list.map((c) => (c as { name?: unknown })?.name).filter((n): n is string => typeof n === 'string') : [];
};

/** The Envoy config of every Envoy container of every pod still present (and of deleted ones, if asked: traffic of
 * the past was sent by them). */
export function podEnvoyConfigs(pods: PodInfo[], configMaps: ConfigMapInfo[], options: { includeDeleted?: boolean } = {}): PodEnvoyConfig[] {
  const maps = new Map(configMaps.map((c) => [`${c.namespace}/${c.name}`, c]));
  const parsed = new Map<string, { config: EnvoyConfig | null; error: string | null }>();
  const out: PodEnvoyConfig[] = [];
  for (const pod of pods) {
    if (pod.deletedMs !== null && !options.includeDeleted) continue;
    for (const container of containersOf(pod.spec).filter((c) => (pod.envoyContainers.length ? pod.envoyContainers : ENVOY_CONTAINERS).includes(c))) {
      const source = envoyConfigSource({ metadata: { namespace: pod.namespace }, spec: pod.spec }, container);
      if (source.kind === 'unresolved') continue;
      if (source.kind === 'inline') {
        const { config, error } = read(source.text, `${pod.namespace}/${pod.name} ${container} --config-yaml`);
        out.push({ pod, container, configMap: null, config, error });
        continue;
      }
      const ref = { namespace: source.namespace, name: source.name, key: source.key };
      const cacheKey = `${ref.namespace}/${ref.name}/${ref.key}`;
      let result = parsed.get(cacheKey);
      if (!result) {
        const cm = maps.get(`${ref.namespace}/${ref.name}`);
        const text = cm?.data[ref.key];
        result = typeof text === 'string'
          ? read(text, `ConfigMap ${ref.namespace}/${ref.name} key ${ref.key}`)
          : { config: null, error: cm ? `ConfigMap ${ref.namespace}/${ref.name} has no key ${ref.key}` : `ConfigMap ${ref.namespace}/${ref.name} was not read` };
        parsed.set(cacheKey, result);
      }
      out.push({ pod, container, configMap: ref, ...result });
    }
  }
  return out;
}

function read(text: string, fileName: string): { config: EnvoyConfig | null; error: string | null } {
  try {
    return { config: readEnvoyConfigFile(text, fileName), error: null };
  } catch (err) {
    return { config: null, error: (err as Error).message };
  }
}

/** Looks up an Envoy cluster of a pod's config: `(namespace, pod, cluster name)` → its config, if known. */
export function clusterLookup(configs: PodEnvoyConfig[]): (namespace: string | null, pod: string | null, cluster: string | null) => ClusterConfig | undefined {
  // A pod name can come back (a StatefulSet's web-0): the live pod's config wins over a deleted namesake's.
  const byPod = new Map<string, { live: boolean; clusters: ClusterConfig[] }>();
  for (const c of configs) {
    if (!c.config) continue;
    const key = `${c.pod.namespace}/${c.pod.name}`;
    const live = c.pod.deletedMs === null;
    const known = byPod.get(key);
    if (!known || (live && !known.live)) byPod.set(key, { live, clusters: [...c.config.clusters] });
    else if (known.live === live) known.clusters.push(...c.config.clusters);
  }
  return (namespace, pod, cluster) => (cluster ? byPod.get(`${namespace}/${pod}`)?.clusters.find((c) => c.name === cluster) : undefined);
}

/** Policies under which every ready endpoint should get an equal share (with equal weights). */
export const EQUAL_SHARE_POLICIES: readonly LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST'];
