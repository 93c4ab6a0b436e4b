// The cluster's addresses over time, kept from list+watch of every pod, Service and EndpointSlice: which pod held an
// IP when (pod IPs are reused), which IP was a Service's ClusterIP, which pods were a Service's ready endpoints. Each
// change is stored as it is seen, so a restarted collector, and the analysis, know the past too. Records are
// attributed against it at their own time.
import type { AccessRecord } from '../envoy/access-record.ts';
import type { CollectorStore, EndpointRow, IpRow } from '../store/collector-store.ts';
import type { Attribution } from '../store/ingest-store.ts';
import { Informer, type KubeObjectLike } from './informer.ts';
import { IpHistory, type Attributed } from './ip-history.ts';
import type { KubeClient } from './kube-client.ts';
import { KubeSnapshots } from './kube-snapshots.ts';

interface PodObject extends KubeObjectLike {
  spec?: { nodeName?: string };
  status?: { podIP?: string; podIPs?: { ip: string }[]; startTime?: string; phase?: string; conditions?: { type?: string; status?: string; lastTransitionTime?: string }[] };
}

interface ServiceObject extends KubeObjectLike {
  spec?: { clusterIP?: string; clusterIPs?: string[] };
}

interface SliceObject extends KubeObjectLike {
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string; uid?: string } }[] | null;
}

export interface ClusterHistoryOptions {
  idleTimeoutMs?: number;
  handoverWindowMs?: number;
  onError?: (message: string) => void;
  /** Container names followed as Envoys: pods running one are kept for the analysis, with their ConfigMaps. */
  envoyContainers?: string[];
}

const podIps = (p: PodObject): string[] => {
  const ips = (p.status?.podIPs ?? []).map((x) => x.ip).filter(Boolean);
  if (ips.length === 0 && p.status?.podIP) ips.push(p.status.podIP);
  // A pod that finished no longer holds its address.
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? [] : ips;
};

const serviceIps = (s: ServiceObject): string[] =>
  [...new Set([...(s.spec?.clusterIPs ?? []), ...(s.spec?.clusterIP ? [s.spec.clusterIP] : [])])].filter((ip) => ip && ip !== 'None');

/**
 * Since when a pod already ready at the collector's first look has been an endpoint: the earlier of its start and its
 * Ready transition (both to the second; a kubelet may report Ready a second late, and a warm-up before the collector
 * looked is history it cannot see anyway), or `now` when neither is known.
 */
const readySince = (pod: PodObject | undefined, now: number) =>
  Math.min(seenAt(pod?.status?.startTime, now), seenAt(pod?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime, now));

const seenAt = (iso: string | undefined, now: number) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) && t <= now ? t : now;
};

export class ClusterHistory {
  readonly ips: IpHistory;
  private readonly informers: Informer<KubeObjectLike>[] = [];
  /** Open endpoint ranges by `namespace/service/ip`, with their stored ids. */
  private readonly endpoints = new Map<string, EndpointRow & { id: number }>();
  private writes: Promise<unknown> = Promise.resolve();
  /** The first lists are in: later endpoint changes happen now, earlier ones date from when their pod became ready. */
  private synced = false;
  private readonly onError: (message: string) => void;
  private readonly snapshots: KubeSnapshots;
  private configMapTimer?: NodeJS.Timeout;

  constructor(
    private readonly client: KubeClient,
    private readonly store: CollectorStore,
    private readonly options: ClusterHistoryOptions = {},
  ) {
    this.ips = new IpHistory({ handoverWindowMs: options.handoverWindowMs ?? 10_000 });
    this.onError = options.onError ?? (() => {});
    this.snapshots = new KubeSnapshots(client, store, options.envoyContainers ?? ['envoy', 'istio-proxy'], this.onError);
  }

  /** Loads what earlier runs stored, then lists and watches; resolves once the first lists are in. */
  async start(): Promise<void> {
    this.ips.load(await this.store.ipHistory());
    for (const e of await this.store.openEndpoints()) this.endpoints.set(`${e.namespace}/${e.service}/${e.ip}`, { ...e, id: e.id! });
    const idle = this.options.idleTimeoutMs;
    const common = idle ? { idleTimeoutMs: idle } : {};
    const pods = new Informer<PodObject>(this.client, { path: '/api/v1/pods', ...common }, {
      add: (p) => this.podChanged(p),
      update: (p, old) => this.podChanged(p, old),
      delete: (p) => this.podGone(p),
    }, this.onError);
    const services = new Informer<ServiceObject>(this.client, { path: '/api/v1/services', ...common }, {
      add: (s) => this.serviceChanged(s),
      update: (s, old) => this.serviceChanged(s, old),
      delete: (s) => this.serviceGone(s),
    }, this.onError);
    const slices = new Informer<SliceObject>(this.client, { path: '/apis/discovery.k8s.io/v1/endpointslices', ...common }, {
      add: () => this.synced && this.slicesChanged(slices),
      update: () => this.synced && this.slicesChanged(slices),
      delete: () => this.synced && this.slicesChanged(slices),
    }, this.onError);
    this.informers.push(pods, services, slices);
    for (const i of this.informers) i.start();
    await Promise.all(this.informers.map((i) => i.synced));
    // Endpoints found in the first lists were ready before the collector looked: date them from their pod's Ready
    // condition, so records written before the collector started are measured against them. Slice events before
    // every list is in wait for this one pass, which sees all pods.
    const podsByUid = new Map(pods.list().map((p) => [p.metadata.uid ?? '', p]));
    this.slicesChanged(slices, (uid, now) => readySince(uid ? podsByUid.get(uid) : undefined, now));
    this.synced = true;
    this.configMapTimer = setInterval(() => this.snapshots.refreshConfigMaps(), 30_000);
    this.configMapTimer.unref();
    // Ranges stored as open by an earlier run whose pod or Service is gone now: they ended while no one watched.
    const now = Date.now();
    for (const row of this.ips.closeMissing('pod', new Set(pods.list().map((p) => p.metadata.uid ?? '')), now)) this.save(row);
    for (const row of this.ips.closeMissing('service', new Set(services.list().map((s) => s.metadata.uid ?? '')), now)) this.save(row);
    // Likewise pods and Services kept for the analysis: their annotations and configs no longer apply.
    const podUids = new Set(pods.list().map((p) => p.metadata.uid ?? ''));
    const serviceUids = new Set(services.list().map((s) => s.metadata.uid ?? ''));
    this.writes = this.writes
      .then(() => this.store.markMissingKubeObjects('Pod', podUids, now))
      .then(() => this.store.markMissingKubeObjects('Service', serviceUids, now))
      .catch((e: unknown) => this.onError(`saving objects: ${(e as Error).message}`));
  }

  async stop(): Promise<void> {
    clearInterval(this.configMapTimer);
    await Promise.all(this.informers.map((i) => i.stop()));
    await this.writes;
    await this.snapshots.flush();
  }

  /** Upstream and caller of a record at its own time. `self` is the pod whose Envoy wrote it. */
  attribute(record: AccessRecord, atMs: number | null, self: { namespace: string; pod: string }): Attribution {
    const t = record.startTime ?? atMs;
    const up: Attributed | null = this.ips.attribute(record.upstreamIp, t, self);
    const down: Attributed | null = record.downstreamRemoteIp ? this.ips.attribute(record.downstreamRemoteIp, t, self) : null;
    return {
      upstreamKind: up?.kind ?? null,
      upstreamNamespace: up?.namespace ?? null,
      upstreamPod: up?.pod ?? null,
      upstreamService: up?.service ?? null,
      upstreamAmbiguous: up?.ambiguous ?? false,
      downstreamKind: down?.kind ?? null,
      downstreamNamespace: down?.namespace ?? null,
      downstreamPod: down?.pod ?? null,
    };
  }

  get stats() {
    return this.informers.map((i) => i.stats);
  }

  private save(row: IpRow | undefined): void {
    if (!row) return;
    this.writes = this.writes.then(() => this.store.saveIp(row)).catch((e: unknown) => this.onError(`saving IP history: ${(e as Error).message}`));
  }

  private podChanged(p: PodObject, old?: PodObject): void {
    this.snapshots.pod(p);
    const now = Date.now();
    const uid = p.metadata.uid ?? '';
    const ips = podIps(p);
    for (const ip of old ? podIps(old) : []) if (!ips.includes(ip)) this.save(this.ips.podIpGone(uid, ip, now));
    for (const ip of ips) {
      // Seen in the first list: held since the pod started; seen in a watch event: since now.
      this.save(this.ips.podIpSeen({ ip, namespace: p.metadata.namespace ?? 'default', name: p.metadata.name, uid, node: p.spec?.nodeName ?? null }, old ? now : seenAt(p.status?.startTime, now)));
    }
  }

  private podGone(p: PodObject): void {
    this.snapshots.pod(p, true);
    const now = Date.now();
    for (const ip of podIps(p).concat(p.status?.podIP ? [p.status.podIP] : [])) this.save(this.ips.podIpGone(p.metadata.uid ?? '', ip, now));
  }

  private serviceChanged(s: ServiceObject, old?: ServiceObject): void {
    this.snapshots.service(s);
    const now = Date.now();
    const uid = s.metadata.uid ?? '';
    const ips = serviceIps(s);
    for (const ip of old ? serviceIps(old) : []) if (!ips.includes(ip)) this.save(this.ips.serviceIpGone(uid, ip, now));
    for (const ip of ips) this.save(this.ips.serviceIpSeen({ ip, namespace: s.metadata.namespace ?? 'default', name: s.metadata.name, uid }, old ? now : seenAt(s.metadata.creationTimestamp as string | undefined, now)));
  }

  private serviceGone(s: ServiceObject): void {
    this.snapshots.service(s, true);
    const now = Date.now();
    for (const ip of serviceIps(s)) this.save(this.ips.serviceIpGone(s.metadata.uid ?? '', ip, now));
  }

  /** Recomputes the ready endpoints of every Service from the slices and stores what opened and closed. */
  private slicesChanged(slices: Informer<SliceObject>, since?: (podUid: string | undefined, now: number) => number): void {
    const now = Date.now();
    const ready = new Map<string, EndpointRow>();
    for (const s of slices.list()) {
      const service = (s.metadata.labels as Record<string, string> | undefined)?.['kubernetes.io/service-name'];
      if (typeof service !== 'string' || !service) continue;
      const namespace = s.metadata.namespace ?? 'default';
      for (const e of s.endpoints ?? []) {
        if (e.conditions?.ready === false) continue;
        for (const ip of e.addresses ?? []) {
          const fromMs = since ? since(e.targetRef?.uid, now) : now;
          ready.set(`${namespace}/${service}/${ip}`, { namespace, service, ip, pod: e.targetRef?.name ?? null, podUid: e.targetRef?.uid ?? null, fromMs, toMs: null });
        }
      }
    }
    for (const [key, open] of [...this.endpoints]) {
      if (ready.has(key)) continue;
      this.endpoints.delete(key);
      this.writes = this.writes.then(() => this.store.closeEndpoint(open.id, now)).catch((e: unknown) => this.onError(`saving endpoints: ${(e as Error).message}`));
    }
    for (const [key, row] of ready) {
      if (this.endpoints.has(key)) continue;
      const placeholder = { ...row, id: -1 };
      this.endpoints.set(key, placeholder);
      this.writes = this.writes
        .then(async () => {
          placeholder.id = await this.store.openEndpoint(row);
        })
        .catch((e: unknown) => this.onError(`saving endpoints: ${(e as Error).message}`));
    }
  }
}
