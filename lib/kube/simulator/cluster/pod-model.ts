// The simulated kubelet's view of one pod: its containers with their current instance, state and last termination,
// and how that renders into the Pod's `status` as the API serves it.
import type { ContainerInstance } from '../api/container-logs.ts';
import type { KubeObject } from '../kube-object.ts';
import type { WorkloadContainer, WorkloadSpec } from '../scenario/scenario-spec.ts';
import type { EnvoyProcess } from './envoy-process.ts';

export interface TerminatedState {
  exitCode: number;
  reason: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

export type ContainerState =
  | { running: { startedAt: string } }
  | { waiting: { reason: string; message?: string } }
  | { terminated: TerminatedState };

export interface ContainerModel {
  spec: WorkloadContainer;
  restartCount: number;
  /** The newest instance; during a crash-loop back-off it is the dead one (also lastState). */
  instance?: ContainerInstance;
  state: ContainerState;
  lastTerminated?: TerminatedState;
  /** The Envoy running in this container, for Envoy containers that started. */
  envoy?: EnvoyProcess;
  /** Injected crash loop: how many more starts exit at once, and the back-off between them. */
  crashesLeft: number;
  backoffMs: number;
  /** Cancels a scheduled start or crash. */
  cancelPending?: () => void;
}

export interface PodModel {
  namespace: string;
  name: string;
  uid: string;
  node: string;
  hostIP: string;
  ip: string;
  /** The workload the pod belongs to; absent for pods created through the API. */
  workload?: WorkloadSpec;
  containers: ContainerModel[];
  createdMs: number;
  /** Set when a graceful deletion started. */
  deletingSince?: number;
  /** All containers stopped and the object deleted. */
  gone: boolean;
}

export const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

const isRunning = (c: ContainerModel) => 'running' in c.state;

/** Ready when every container runs (no readiness probes are modelled). */
export function podReady(pod: PodModel): boolean {
  return pod.containers.every(isRunning);
}

/** The Pod's status as the kubelet reports it; containerStatuses are sorted by name, as the kubelet sorts them. */
export function renderPodStatus(pod: PodModel, previous: Record<string, unknown>): Record<string, unknown> {
  const ready = podReady(pod);
  const known = (previous.conditions as { type: string; status: string; lastTransitionTime?: string }[] | undefined) ?? [];
  const base = known.length
    ? known
    : ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type, status: 'True', lastProbeTime: null, lastTransitionTime: new Date(pod.createdMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      }));
  const conditions = base.map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady'
      ? { ...c, status: ready ? 'True' : 'False', ...(ready ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${pod.containers.filter((x) => !isRunning(x)).map((x) => x.spec.name).join(' ')}]` }) }
      : c,
  );
  const statuses = [...pod.containers]
    .sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0))
    .map((c) => ({
      name: c.spec.name,
      state: c.state,
      lastState: c.lastTerminated ? { terminated: c.lastTerminated } : {},
      ready: isRunning(c),
      restartCount: c.restartCount,
      image: c.spec.image,
      imageID: `${c.spec.image.split(':')[0]}@sha256:${imageDigest(c.spec.image)}`,
      ...(c.instance ? { containerID: c.instance.containerID } : {}),
      started: isRunning(c),
    }));
  return {
    ...previous,
    phase: pod.gone || (pod.deletingSince !== undefined && pod.containers.every((c) => 'terminated' in c.state)) ? 'Succeeded' : 'Running',
    conditions,
    podIP: pod.ip,
    podIPs: [{ ip: pod.ip }],
    hostIP: pod.hostIP,
    hostIPs: [{ ip: pod.hostIP }],
    containerStatuses: statuses,
  };
}

function imageDigest(image: string): string {
  let h = 0x811c9dc5;
  for (const ch of image) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(8);
}

/** A copy of the stored pod with the kubelet's status, ready for ObjectStore.update (no resourceVersion precondition). */
export function withStatus(stored: KubeObject, pod: PodModel): KubeObject {
  const copy: KubeObject = { ...stored, metadata: { ...stored.metadata }, status: renderPodStatus(pod, (stored.status as Record<string, unknown>) ?? {}) };
  delete copy.metadata.resourceVersion;
  return copy;
}
