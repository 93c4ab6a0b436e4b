// What the analysis reads, as plain values the store hands over: records aggregated per second, the IP and endpoint
// history the collector kept, and the Kubernetes objects it saw. Pure functions in this folder take these and return
// reports and findings; only run-analysis.ts talks to the store.
import type { FailureCell, TrafficCell } from '../store/analysis-store.ts';
import type { EndpointRow, IpRow } from '../store/collector-store.ts';

export type { EndpointRow, FailureCell, IpRow, TrafficCell };

/** A Service as the collector last saw it. */
export interface ServiceInfo {
  namespace: string;
  name: string;
  uid: string;
  /** 'None' for a headless Service; null for ExternalName. */
  clusterIP: string | null;
  type: string;
  selector: Record<string, string>;
  ports: { name?: string; port: number; targetPort?: number | string; protocol?: string }[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Epoch ms when the collector saw it deleted; null while it exists. */
  deletedMs: number | null;
}

/** A pod with an Envoy container, as the collector last saw it. */
export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  /** The owning workload: Deployment (from the ReplicaSet name), StatefulSet, DaemonSet, Job, or the pod itself. */
  workload: { kind: string; name: string };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The containers the collector follows as Envoys (e.g. envoy, istio-proxy). */
  envoyContainers: string[];
  /** The pod spec as served (containers, volumes), for finding each Envoy's config. */
  spec: unknown;
  deletedMs: number | null;
}

/** A ConfigMap an Envoy mounts, as the collector last read it. */
export interface ConfigMapInfo {
  namespace: string;
  name: string;
  uid: string;
  annotations: Record<string, string>;
  /** The version read, when known: a manifest generated from it refuses to overwrite a later edit. */
  resourceVersion?: string;
  data: Record<string, string>;
}

/** Everything one analysis run reads. */
export interface AnalysisInput {
  /** Inclusive start and exclusive end of the window, epoch ms. */
  fromMs: number;
  toMs: number;
  traffic: TrafficCell[];
  failures: FailureCell[];
  ips: IpRow[];
  endpoints: EndpointRow[];
  services: ServiceInfo[];
  pods: PodInfo[];
  configMaps: ConfigMapInfo[];
}
