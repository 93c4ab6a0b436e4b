// What the network knows at this moment: cluster DNS (a ClusterIP Service name → its VIP, a headless one → the IPs of
// its ready endpoints, as CoreDNS answers from EndpointSlices), which Service a VIP belongs to, and where kube-proxy
// sends a connection to a VIP. Rebuilt from the store when Services or EndpointSlices change.
import type { ObjectStore } from '../api/object-store.ts';
import type { KubeObject } from '../kube-object.ts';
import { clusterDns } from '../scenario/seed-scenario.ts';

interface ServiceEntry {
  namespace: string;
  name: string;
  clusterIP?: string;
  /** Ready endpoint IPs, from the Service's EndpointSlices. */
  ready: string[];
}

export class ClusterView {
  private objects: KubeObject[] = [];
  private byVip = new Map<string, ServiceEntry>();
  private resolvers = new Map<string, (host: string) => string[]>();
  private dirty = true;
  private readonly stops: (() => void)[] = [];

  constructor(private readonly store: ObjectStore) {
    for (const resource of ['services', 'endpointslices']) {
      const w = store.watch({ resource }, () => {
        this.dirty = true;
      });
      if (w.ok) this.stops.push(w.stop);
    }
  }

  dispose(): void {
    for (const s of this.stops) s();
  }

  /** Cluster DNS as seen from a pod in `namespace` (short names are that namespace's). */
  resolver(namespace: string): (host: string) => string[] {
    return (host) => {
      this.refresh();
      let r = this.resolvers.get(namespace);
      if (!r) {
        r = clusterDns(this.objects, namespace);
        this.resolvers.set(namespace, r);
      }
      return r(host);
    };
  }

  /** The Service whose ClusterIP is `ip`. */
  serviceAt(ip: string): ServiceEntry | undefined {
    this.refresh();
    return this.byVip.get(ip);
  }

  private refresh(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const services = this.store.list('services');
    const slices = this.store.list('endpointslices');
    this.objects = [...services, ...slices];
    this.resolvers.clear();
    this.byVip.clear();
    for (const svc of services) {
      const namespace = svc.metadata.namespace ?? 'default';
      const clusterIP = (svc.spec as { clusterIP?: string }).clusterIP;
      if (!clusterIP || clusterIP === 'None') continue;
      const ready: string[] = [];
      for (const s of slices) {
        if (s.metadata.namespace !== namespace || s.metadata.labels?.['kubernetes.io/service-name'] !== svc.metadata.name) continue;
        for (const e of (s.endpoints as { addresses: string[]; conditions?: { ready?: boolean } }[]) ?? []) {
          if (e.conditions?.ready !== false) ready.push(...e.addresses);
        }
      }
      this.byVip.set(clusterIP, { namespace, name: svc.metadata.name, clusterIP, ready });
    }
  }
}
