// A scenario as data: the nodes, the objects applied as they are (namespaces, ConfigMaps, Services), and the
// workloads whose pods the simulation runs. The simulation's controllers turn workloads into pods, pods into
// EndpointSlices, and Envoy containers into access-log traffic, so the seed and the larger scenario share one engine.
import type { KubeObject } from '../kube-object.ts';
import type { ContainerSpec } from './kube-builders.ts';

export interface NodeSpec {
  name: string;
  /** A /24: `10.244.0.0/24`. */
  podCidr: string;
  hostIP: string;
}

/** What an application container writes to its log. */
export type AppKind = 'nginx' | 'http-echo' | 'json-service';

/**
 * How an Envoy container takes part in traffic:
 * - `edge`: receives the scenario's client traffic (nginx in front of it, a gateway, a per-node proxy);
 * - `egress`: logs the calls its pod's application makes while handling a request that reached the pod;
 * - `ingress`: logs every request that reaches its pod, then hands it to the local application.
 */
export type EnvoyRole = 'edge' | 'egress' | 'ingress';

export type WorkloadContainer = ContainerSpec &
  ({ kind: 'envoy'; role: EnvoyRole; inlineConfig?: string; listenerName?: string } | { kind: 'app'; app: AppKind });

export interface WorkloadSpec {
  kind: 'Deployment' | 'DaemonSet';
  name: string;
  namespace: string;
  /** Deployments; a DaemonSet runs one pod per node. */
  replicas?: number;
  /** Pod labels; the workload's selector is all of them. */
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  containers: WorkloadContainer[];
  volumes?: unknown[];
  /** The ReplicaSet's pod-template-hash (10 characters); derived from the name when absent. */
  templateHash?: string;
  /** Pods the scenario starts with, by name, node and IP (the seed's pods); others get generated names. */
  initialPods?: { name: string; node: string; ip: string }[];
  /** Edge Envoys only: who calls them, for %DOWNSTREAM_REMOTE_ADDRESS%. `node-pods` = the other pods on the node. */
  callers?: 'local' | 'node-pods' | string[];
  /** Edge Envoys only: relative share of the client traffic per pod (default 1). */
  weight?: number;
}

export interface ScenarioSpec {
  name: string;
  description: string;
  nodes: NodeSpec[];
  /** Namespaces, ConfigMaps, Services: created as given. */
  objects: KubeObject[];
  workloads: WorkloadSpec[];
  /** Client requests per second the scenario starts with, over all edge Envoys. */
  defaultRate: number;
}
