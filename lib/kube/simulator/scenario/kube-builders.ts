// Builders for the Kubernetes objects a scenario serves, shaped as a v1.32 API server returns them, so kubectl and
// client-node see nothing unusual. Exported separately from the seed scenario so the simulator can build more pods
// (churn, IP reuse) and rebuild EndpointSlices the way the endpointslice controller would.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube-object.ts';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Deterministic hex so a scenario gives the same container IDs and owner uids on every run. */
export function stableHex(seed: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += createHash('sha256').update(`${seed}#${i}`).digest('hex');
  return out.slice(0, length);
}

/** A UUID-shaped id for objects the store does not hold (ReplicaSets named in ownerReferences). */
export function stableUid(seed: string): string {
  const h = stableHex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface ContainerSpec {
  name: string;
  image: string;
  args?: string[];
  ports?: { containerPort: number; name?: string; protocol?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpecInput {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  ip: string;
  nodeName: string;
  hostIP?: string;
  containers: ContainerSpec[];
  volumes?: unknown[];
  /** The controller owning the pod (a ReplicaSet or DaemonSet), if any. */
  owner?: { kind: 'ReplicaSet' | 'DaemonSet'; name: string };
  /** Epoch ms the pod started (its containers start one second later). */
  startedMs: number;
  ready?: boolean;
}

export function podObject(p: PodSpecInput): KubeObject {
  const ready = p.ready ?? true;
  const started = iso(p.startedMs);
  const running = iso(p.startedMs + 1000);
  const condition = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: running });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace ?? 'default',
      labels: { ...p.labels },
      ...(p.owner ? {
        generateName: `${p.owner.name}-`,
        ownerReferences: [{
          apiVersion: 'apps/v1', kind: p.owner.kind, name: p.owner.name, uid: stableUid(`${p.owner.kind}/${p.namespace ?? 'default'}/${p.owner.name}`),
          controller: true, blockOwnerDeletion: true,
        }],
      } : {}),
    },
    spec: {
      containers: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.args ? { args: c.args } : {}),
        ...(c.ports ? { ports: c.ports.map((port) => ({ protocol: 'TCP', ...port })) } : {}),
        ...(c.volumeMounts ? { volumeMounts: c.volumeMounts } : {}),
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      })),
      ...(p.volumes ? { volumes: p.volumes } : {}),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      nodeName: p.nodeName,
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
    },
    status: {
      phase: 'Running',
      conditions: [
        condition('PodReadyToStartContainers', true), condition('Initialized', true), condition('Ready', ready),
        condition('ContainersReady', ready), condition('PodScheduled', true),
      ],
      hostIP: p.hostIP ?? '192.168.49.2',
      hostIPs: [{ ip: p.hostIP ?? '192.168.49.2' }],
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      startTime: started,
      qosClass: 'BestEffort',
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        state: { running: { startedAt: running } },
        lastState: {},
        ready,
        restartCount: 0,
        image: c.image,
        imageID: `${c.image.split(':')[0]}@sha256:${stableHex(`image/${c.image}`, 64)}`,
        containerID: `containerd://${stableHex(`container/${p.namespace ?? 'default'}/${p.name}/${c.name}/0`, 64)}`,
        started: true,
      })),
    },
  };
}

/** What an EndpointSlice needs to know about a Service. */
export interface ServiceLike {
  name: string;
  namespace?: string;
  headless: boolean;
  /** metadata.uid once the store assigned one; else a stable stand-in for the slice's ownerReference. */
  uid?: string;
  ports: { name?: string; port: number; targetPort?: number; protocol?: string }[];
}

/** Reads name, headlessness and ports from a Service object. */
export function serviceLike(service: KubeObject): ServiceLike {
  const spec = service.spec as { clusterIP?: string; ports?: ServiceLike['ports'] };
  return {
    name: service.metadata.name,
    namespace: service.metadata.namespace,
    headless: spec.clusterIP === 'None',
    uid: service.metadata.uid,
    ports: spec.ports ?? [],
  };
}

/** Enough of a pod to list it as an endpoint. */
export interface EndpointPod {
  name: string;
  ip: string;
  nodeName: string;
  ready: boolean;
  terminating?: boolean;
  uid?: string;
}

export function endpointPodOf(pod: KubeObject): EndpointPod {
  const status = pod.status as { podIP?: string; conditions?: { type: string; status: string }[] };
  const spec = pod.spec as { nodeName?: string };
  return {
    name: pod.metadata.name,
    ip: status.podIP ?? '',
    nodeName: spec.nodeName ?? '',
    ready: status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    terminating: pod.metadata.deletionTimestamp !== undefined,
    uid: pod.metadata.uid,
  };
}

/**
 * The EndpointSlice the endpointslice controller keeps for a Service. Its name is the Service name plus a stable
 * suffix (the controller's generateName gives a random one). A terminating pod is neither ready nor, after its
 * grace period, serving; a not-ready pod is listed with ready=false (DNS of a headless Service skips it).
 */
export function endpointSliceFor(service: ServiceLike, pods: EndpointPod[]): KubeObject {
  const ns = service.namespace ?? 'default';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service.name}-${stableHex(`slice/${ns}/${service.name}`, 5).replace(/[0-9]/g, (d) => 'bcdfghjklm'[Number(d)]!)}`,
      namespace: ns,
      generateName: `${service.name}-`,
      labels: {
        'kubernetes.io/service-name': service.name,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        ...(service.headless ? { 'service.kubernetes.io/headless': '' } : {}),
      },
      ownerReferences: [{
        apiVersion: 'v1', kind: 'Service', name: service.name, uid: service.uid ?? stableUid(`svc/${ns}/${service.name}`),
        controller: true, blockOwnerDeletion: true,
      }],
    },
    addressType: 'IPv4',
    endpoints: pods.map((p) => ({
      addresses: [p.ip],
      conditions: { ready: p.ready && !p.terminating, serving: p.ready, terminating: p.terminating ?? false },
      nodeName: p.nodeName,
      targetRef: { kind: 'Pod', namespace: ns, name: p.name, ...(p.uid ? { uid: p.uid } : {}) },
    })),
    ports: service.ports.map((port) => ({ name: port.name ?? '', port: port.targetPort ?? port.port, protocol: port.protocol ?? 'TCP' })),
  };
}
