// The endpointslice controller: one EndpointSlice per Service with a selector, listing the selected pods that have an
// IP, with ready/serving/terminating conditions. It reacts to every pod and Service change, whether the simulation or
// a kubectl user made it, and writes a slice only when its content changed.
import type { ObjectStore, StoreEvent } from '../api/object-store.ts';
import type { KubeObject } from '../kube-object.ts';
import { endpointPodOf, endpointSliceFor, serviceLike, type ServiceLike } from '../scenario/kube-builders.ts';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function selects(selector: Record<string, string>, pod: KubeObject): boolean {
  return Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v);
}

/** What a slice says, without the metadata the store manages. */
function content(slice: KubeObject): string {
  return JSON.stringify([slice.endpoints, slice.ports, slice.metadata.labels, slice.addressType]);
}

export class EndpointSliceController {
  private stops: (() => void)[] = [];
  private running = false;
  private again = false;

  constructor(private readonly store: ObjectStore) {}

  start(): void {
    for (const resource of ['pods', 'services']) {
      const w = this.store.watch({ resource }, (e: StoreEvent) => this.onEvent(e));
      if (w.ok) this.stops.push(w.stop);
    }
    this.reconcile();
  }

  stop(): void {
    for (const s of this.stops) s();
    this.stops = [];
  }

  private onEvent(e: StoreEvent): void {
    // A pod event only matters if the pod's IP, readiness, labels or deletion changed; cheap enough to just reconcile.
    if (e.resource === 'pods' || e.resource === 'services') this.reconcile();
  }

  /** Brings every slice in line with the Services and pods; re-runs if a change arrives while it writes. */
  reconcile(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        this.reconcileOnce();
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  private reconcileOnce(): void {
    const services = this.store.list('services');
    const pods = this.store.list('pods').filter((p) => (p.status as { podIP?: string } | undefined)?.podIP);
    const slices = this.store.list('endpointslices').filter((s) => s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === 'endpointslice-controller.k8s.io');
    const wanted = new Set<string>();
    for (const svc of services) {
      const selector = (svc.spec as { selector?: Record<string, string> }).selector;
      if (!selector || Object.keys(selector).length === 0) continue;
      const ns = svc.metadata.namespace ?? 'default';
      const selected = pods.filter((p) => (p.metadata.namespace ?? 'default') === ns && selects(selector, p)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
      const desired = endpointSliceFor(withNumericTargetPorts(serviceLike(svc), selected), selected.map(endpointPodOf));
      wanted.add(`${ns}/${desired.metadata.name}`);
      const existing = slices.find((s) => s.metadata.namespace === ns && s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name);
      if (!existing) this.store.create(desired);
      else if (content(existing) !== content(desired)) {
        this.store.update({ ...desired, metadata: { ...existing.metadata, labels: desired.metadata.labels, resourceVersion: undefined } });
      }
    }
    for (const s of slices) {
      if (!wanted.has(`${s.metadata.namespace}/${s.metadata.name}`)) this.store.delete('endpointslices', s.metadata.namespace, s.metadata.name, 'discovery.k8s.io');
    }
  }
}

/** A named targetPort (`http`) is the number of the container port with that name, as the controller resolves it. */
function withNumericTargetPorts(svc: ServiceLike, pods: KubeObject[]): ServiceLike {
  const named = new Map<string, number>();
  for (const p of pods) {
    for (const c of ((p.spec as { containers?: { ports?: { name?: string; containerPort: number }[] }[] }).containers ?? [])) {
      for (const port of c.ports ?? []) if (port.name && !named.has(port.name)) named.set(port.name, port.containerPort);
    }
  }
  return {
    ...svc,
    ports: svc.ports.map((p) => {
      const target = p.targetPort as number | string | undefined;
      return typeof target === 'string' ? { ...p, targetPort: named.get(target) ?? p.port } : p;
    }),
  };
}
