// The parts of a Pod's status the collector reads: per container, the current instance and the last terminated one.

export interface ContainerStatus {
  name: string;
  containerID?: string;
  state?: { running?: { startedAt?: string }; waiting?: { reason?: string }; terminated?: { containerID?: string; startedAt?: string; finishedAt?: string } };
  lastState?: { terminated?: { containerID?: string; startedAt?: string; finishedAt?: string } };
}

export interface PodDoc {
  metadata: { name: string; namespace?: string; uid?: string };
  spec?: unknown;
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}

/** The status of one container (native sidecars are listed among the init containers). */
export function containerStatusOf(pod: PodDoc | undefined, container: string): ContainerStatus | undefined {
  if (!pod) return undefined;
  return [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c) => c.name === container);
}
