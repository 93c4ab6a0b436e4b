// Which access-log format a pod's Envoy container writes: a format the user gave (--format/--config) wins; else the
// envoy.yaml the pod mounts (pod spec volume → ConfigMap → key → the logger writing to stdout); else Istio's default
// for istio-proxy, whose config istiod pushes over xDS. ConfigMaps are read with GET only (the RBAC a collector needs
// is `configmaps: get`), and read again when the container's lines stop parsing or Envoy announces a restart.
import type { FormatSpec } from '../envoy/compile-format.ts';
import { ISTIO_DEFAULT_FORMAT } from '../envoy/default-formats.ts';
import { pickAccessLogger, readEnvoyConfigFile } from '../envoy/envoy-config.ts';
import { KubeApiError, type KubeClient } from './kube-client.ts';
import { envoyConfigSource } from '../envoy/config/pod-config-source.ts';

export type FormatResolution = { ok: true; spec: FormatSpec; origin: string } | { ok: false; error: string };

interface PodLike {
  metadata: { name: string; namespace?: string };
  spec?: unknown;
}

interface ConfigMapLike {
  metadata: { resourceVersion?: string };
  data?: Record<string, unknown>;
}

const isIstioProxy = (pod: PodLike, container: string) => {
  const c = ((pod.spec as { containers?: { name?: string; image?: string }[] } | undefined)?.containers ?? []).find((x) => x.name === container);
  return container === 'istio-proxy' || /\/proxyv2:/.test(c?.image ?? '');
};

export class ContainerFormats {
  constructor(
    private readonly client: KubeClient,
    /** The user's format, used for every container. */
    private readonly override?: { spec: FormatSpec; origin: string },
  ) {}

  async resolve(pod: PodLike, container: string): Promise<FormatResolution> {
    if (this.override) return { ok: true, ...this.override };
    const ns = pod.metadata.namespace ?? 'default';
    const source = envoyConfigSource(pod, container);
    let text: string;
    let origin: string;
    if (source.kind === 'inline') {
      text = source.text;
      origin = `${ns}/${pod.metadata.name} ${container} --config-yaml`;
    } else if (source.kind === 'configmap') {
      let cm: ConfigMapLike;
      try {
        cm = await this.client.getJson<ConfigMapLike>(`/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps/${encodeURIComponent(source.name)}`);
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return { ok: false, error: `ConfigMap ${ns}/${source.name} (mounted at ${source.path}) does not exist` };
        return { ok: false, error: `ConfigMap ${ns}/${source.name}: ${(err as Error).message}` };
      }
      const value = cm.data?.[source.key];
      if (typeof value !== 'string') return { ok: false, error: `ConfigMap ${ns}/${source.name} has no key ${source.key} (mounted as ${source.path})` };
      text = value;
      origin = `ConfigMap ${ns}/${source.name} key ${source.key}`;
    } else if (isIstioProxy(pod, container)) {
      return { ok: true, spec: { type: 'text', text: ISTIO_DEFAULT_FORMAT }, origin: "Istio's default format (istio-proxy)" };
    } else {
      return { ok: false, error: `${ns}/${pod.metadata.name} container ${container}: cannot find its Envoy config (${source.reason}); give the format with --format or --config` };
    }
    try {
      const logger = pickAccessLogger(readEnvoyConfigFile(text, origin));
      return { ok: true, spec: logger.format, origin: `${origin}, listener ${logger.listener}` };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
}
