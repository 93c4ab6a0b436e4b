// What the analysis reads, as plain values the store hands over: records aggregated per second, the IP and endpoint
// history the collector kept, and the Kubernetes objects it saw. Pure functions in this folder take these and return
// reports and findings; only run-analysis.ts talks to the store.
import type { EndpointRow, IpRow } from '../store/collector-store.ts';
import type { EndpointKind } from '../store/ingest-store.ts';

export type { EndpointRow, IpRow };

/** The pod (and container) whose Envoy wrote some records. Null namespace/pod: an imported file not tied to a pod. */
export interface SourcePod {
  namespace: string | null;
  pod: string | null;
}

/**
 * Records that share a source pod, Envoy cluster, upstream and second, counted. One row per combination keeps a day of
 * traffic small while keeping each record's time to the second, which is what expected shares are computed at.
 */
export interface TrafficCell {
  sourceNamespace: string | null;
  sourcePod: string | null;
  /** %UPSTREAM_CLUSTER%, null when the format lacks it. */
  cluster: string | null;
  upstreamIp: string | null;
  upstreamKind: EndpointKind | null;
  upstreamNamespace: string | null;
  upstreamPod: string | null;
  upstreamService: string | null;
  /** Records of the cell whose upstream was near an IP hand-over. */
  ambiguous: number;
  /** Epoch seconds (floor of startTime). */
  second: number;
  count: number;
}

/** Responses of a source and cluster in one second that Envoy itself failed with 503 and UH, UF or NR. */
export interface FailureCell {
  sourceNamespace: string | null;
  sourcePod: string | null;
  cluster: string | null;
  upstreamIp: string | null;
  /** The flag that was set (one cell per flag: a record with `UH,UF` counts under UH). */
  flag: 'UH' | 'UF' | 'NR';
  second: number;
  count: number;
}

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
