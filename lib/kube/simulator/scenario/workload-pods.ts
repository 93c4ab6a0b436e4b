// Pods of a workload, named and shaped as the ReplicaSet and DaemonSet controllers make them: `<deployment>-<hash>`
// ReplicaSets with a pod-template-hash label, pods named `<owner>-<5 random characters>` from the alphabet
// apimachinery's rand.String uses, owner references to the controller.
import type { KubeObject } from '../kube-object.ts';
import { podObject, stableHex } from './kube-builders.ts';
import type { WorkloadSpec } from './scenario-spec.ts';

/** apimachinery util/rand: no vowels, no easily confused characters. */
const KUBE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function kubeRandomString(rand: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += KUBE_ALPHABET[Math.floor(rand() * KUBE_ALPHABET.length)];
  return out;
}

function templateHash(w: WorkloadSpec): string {
  if (w.templateHash) return w.templateHash;
  const hex = stableHex(`template/${w.namespace}/${w.name}`, 20);
  let out = '';
  for (let i = 0; i < 10; i++) out += KUBE_ALPHABET[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % KUBE_ALPHABET.length];
  return out;
}

/** The controller that owns the workload's pods: the ReplicaSet of a Deployment, or the DaemonSet itself. */
export function podOwnerName(w: WorkloadSpec): string {
  return w.kind === 'Deployment' ? `${w.name}-${templateHash(w)}` : w.name;
}

export function generatedPodName(w: WorkloadSpec, rand: () => number): string {
  return `${podOwnerName(w)}-${kubeRandomString(rand, 5)}`;
}

export interface PodPlacement {
  name: string;
  node: string;
  ip: string;
  hostIP: string;
  startedMs: number;
}

/** The Pod object of one replica, with a running status the simulation's kubelet then keeps up to date. */
export function workloadPodObject(w: WorkloadSpec, p: PodPlacement): KubeObject {
  const labels = { ...w.labels, ...(w.kind === 'Deployment' ? { 'pod-template-hash': templateHash(w) } : { 'controller-revision-hash': templateHash(w) }) };
  const pod = podObject({
    name: p.name,
    namespace: w.namespace,
    labels,
    ip: p.ip,
    nodeName: p.node,
    hostIP: p.hostIP,
    owner: { kind: w.kind === 'Deployment' ? 'ReplicaSet' : 'DaemonSet', name: podOwnerName(w) },
    startedMs: p.startedMs,
    containers: w.containers.map(({ name, image, args, ports, volumeMounts }) => ({
      name, image, ...(args ? { args } : {}), ...(ports ? { ports } : {}), ...(volumeMounts ? { volumeMounts } : {}),
    })),
    ...(w.volumes ? { volumes: w.volumes } : {}),
  });
  if (w.annotations) pod.metadata.annotations = { ...w.annotations };
  return pod;
}
