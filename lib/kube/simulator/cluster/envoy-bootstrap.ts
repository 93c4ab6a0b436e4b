// Where a simulated Envoy gets its bootstrap: inline (istio-proxy, whose config istiod pushes over xDS) or the file its
// pod mounts from a ConfigMap, read from the store as the kubelet would project it. And what a pod created through
// the API runs: a container named envoy/istio-proxy or running an Envoy image is an Envoy, anything else an app.
import { envoyConfigSource, type EnvoyConfigSource } from '../../../envoy/config/pod-config-source.ts';
import type { ObjectStore } from '../api/object-store.ts';
import type { WorkloadContainer } from '../scenario/scenario-spec.ts';
import type { PodModel } from './pod-model.ts';

export function bootstrapSource(store: ObjectStore, pod: PodModel, spec: WorkloadContainer): EnvoyConfigSource {
  if (spec.kind === 'envoy' && spec.inlineConfig !== undefined) return { kind: 'inline', text: spec.inlineConfig };
  const stored = store.get('pods', pod.namespace, pod.name);
  return stored ? envoyConfigSource(stored, spec.name) : { kind: 'unresolved', reason: 'the pod is gone' };
}

/** The bootstrap text, or the error Envoy prints when it cannot read it. */
export function readBootstrap(store: ObjectStore, source: EnvoyConfigSource): { text: string } | { error: string } {
  if (source.kind === 'inline') return { text: source.text };
  if (source.kind === 'unresolved') return { error: `unable to read file: ${source.path ?? '/etc/envoy/envoy.yaml'} (${source.reason})` };
  const cm = store.get('configmaps', source.namespace, source.name);
  const text = (cm?.data as Record<string, string> | undefined)?.[source.key];
  if (typeof text !== 'string') return { error: `unable to read file: ${source.path}` };
  return { text };
}

export function containersOfApiPod(containers: { name: string; image?: string; ports?: { containerPort: number }[] }[]): WorkloadContainer[] {
  return containers.map((c) => {
    const base = { name: c.name, image: c.image ?? 'unknown', ...(c.ports ? { ports: c.ports } : {}) };
    const envoy = c.name === 'envoy' || c.name === 'istio-proxy' || /envoy|proxyv2/.test(c.image ?? '');
    return envoy ? { ...base, kind: 'envoy' as const, role: 'edge' as const } : { ...base, kind: 'app' as const, app: 'json-service' as const };
  });
}
