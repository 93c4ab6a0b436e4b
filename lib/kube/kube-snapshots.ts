// Keeps in the store the Kubernetes objects the analysis reads: every Service (selector, ports, ClusterIP,
// annotations: the leak fix and suppression need them), pods running an Envoy container (owner, annotations, the spec
// that says which ConfigMap holds the bootstrap), and those ConfigMaps (the configs that are checked). Objects are
// trimmed to those fields and written only when they changed; ConfigMaps are read with GET, at most once every 10 s
// each, and every 30 s while Envoys mount them.
import type { KubeObjectRow } from '../store/analysis-store.ts';
import type { CollectorStore } from '../store/collector-store.ts';
import { envoyConfigSource } from '../envoy/config/pod-config-source.ts';
import type { KubeObjectLike } from './informer.ts';
import { KubeApiError, type KubeClient } from './kube-client.ts';

type Dict = Record<string, unknown>;
const dict = (v: unknown): Dict => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Dict) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const CONFIGMAP_REFRESH_MS = 10_000;

function meta(o: KubeObjectLike) {
  const m = o.metadata as Dict;
  return { name: o.metadata.name, namespace: o.metadata.namespace ?? 'default', uid: o.metadata.uid ?? '', labels: dict(m.labels), annotations: dict(m.annotations) };
}

/** The workload a pod belongs to: a ReplicaSet's Deployment (the ReplicaSet name less its pod-template hash), or the
 * owner itself, or the pod when it has no controller. */
export function workloadOf(pod: KubeObjectLike): { kind: string; name: string } {
  const owner = list((pod.metadata as Dict).ownerReferences).map(dict).find((r) => r.controller === true) ?? list((pod.metadata as Dict).ownerReferences).map(dict)[0];
  if (!owner || typeof owner.kind !== 'string' || typeof owner.name !== 'string') return { kind: 'Pod', name: pod.metadata.name };
  const hash = (dict(dict(pod.metadata).labels)['pod-template-hash'] as string | undefined) ?? '';
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
  return { kind: owner.kind, name: owner.name };
}

export function trimPod(p: KubeObjectLike, envoyContainers: string[]): Dict {
  const spec = dict((p as Dict).spec);
  const container = (c: unknown) => {
    const d = dict(c);
    return { name: d.name, image: d.image, command: d.command, args: d.args, volumeMounts: d.volumeMounts };
  };
  return {
    ...meta(p),
    workload: workloadOf(p),
    envoyContainers,
    spec: { containers: list(spec.containers).map(container), volumes: spec.volumes ?? [], nodeName: spec.nodeName },
  };
}

export function trimService(s: KubeObjectLike): Dict {
  const spec = dict((s as Dict).spec);
  return { ...meta(s), spec: { type: spec.type ?? 'ClusterIP', clusterIP: spec.clusterIP ?? null, selector: spec.selector ?? {}, ports: spec.ports ?? [], externalName: spec.externalName } };
}

export class KubeSnapshots {
  private readonly written = new Map<string, string>();
  private readonly configMapReadAt = new Map<string, number>();
  /** The ConfigMaps live Envoy pods mount, with the pods (uids) that mount each. */
  private readonly mounted = new Map<string, { namespace: string; name: string; pods: Set<string> }>();
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: KubeClient,
    private readonly store: CollectorStore,
    /** The container names followed as Envoys. */
    private readonly containers: string[],
    private readonly onError: (message: string) => void,
  ) {}

  pod(p: KubeObjectLike, deleted = false): void {
    const names = list(dict((p as Dict).spec).containers).map((c) => dict(c).name).filter((n): n is string => typeof n === 'string');
    const envoys = names.filter((n) => this.containers.includes(n));
    if (envoys.length === 0) return;
    this.save('Pod', p, trimPod(p, envoys), deleted);
    const uid = p.metadata.uid ?? '';
    for (const c of envoys) {
      const source = envoyConfigSource({ metadata: { namespace: p.metadata.namespace ?? 'default' }, spec: (p as Dict).spec }, c);
      if (source.kind !== 'configmap') continue;
      const key = `${source.namespace}/${source.name}`;
      const entry = this.mounted.get(key) ?? { namespace: source.namespace, name: source.name, pods: new Set<string>() };
      if (deleted) entry.pods.delete(uid);
      else entry.pods.add(uid);
      if (entry.pods.size) this.mounted.set(key, entry);
      else this.mounted.delete(key);
      if (!deleted) this.readConfigMap(source.namespace, source.name);
    }
  }

  /** Reads again the ConfigMaps live Envoys mount (an edited ConfigMap changes no pod): call it every 30 s. */
  refreshConfigMaps(): void {
    for (const m of this.mounted.values()) this.readConfigMap(m.namespace, m.name);
  }

  service(s: KubeObjectLike, deleted = false): void {
    this.save('Service', s, trimService(s), deleted);
  }

  async flush(): Promise<void> {
    await this.writes;
  }

  private readConfigMap(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const now = Date.now();
    if (now - (this.configMapReadAt.get(key) ?? -Infinity) < CONFIGMAP_REFRESH_MS) return;
    this.configMapReadAt.set(key, now);
    this.writes = this.writes
      .then(async () => {
        const cm = await this.client.getJson<KubeObjectLike & { data?: unknown }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`);
        const data = Object.fromEntries(Object.entries(dict(cm.data)).filter(([, v]) => typeof v === 'string'));
        // resourceVersion goes into the fix's ConfigMap manifest, so applying it over a newer edit fails, not overwrites.
        this.save('ConfigMap', cm, { ...meta(cm), resourceVersion: (cm.metadata as Dict).resourceVersion ?? null, data }, false);
      })
      .catch((e: unknown) => {
        if (!(e instanceof KubeApiError && e.status === 404)) this.onError(`reading ConfigMap ${key}: ${(e as Error).message}`);
      });
  }

  private save(kind: KubeObjectRow['kind'], o: KubeObjectLike, trimmed: Dict, deleted: boolean): void {
    const uid = o.metadata.uid;
    if (!uid) return;
    const json = JSON.stringify(trimmed);
    const id = `${kind}/${uid}`;
    if (!deleted && this.written.get(id) === json) return;
    this.written.set(id, json);
    if (deleted) this.written.delete(id);
    const now = Date.now();
    const row: KubeObjectRow = { kind, namespace: o.metadata.namespace ?? 'default', name: o.metadata.name, uid, json, firstSeenMs: now, lastSeenMs: now, deletedMs: deleted ? now : null };
    this.writes = this.writes.then(() => this.store.saveKubeObject(row)).catch((e: unknown) => this.onError(`saving ${kind} ${row.namespace}/${row.name}: ${(e as Error).message}`));
  }
}
