// Objects for the API server tests: one pod with nginx + envoy, its Service, EndpointSlice and a ConfigMap, and the
// container bookkeeping a kubelet would do for it (start instances, restart one), without the whole simulation.
import type { KubeObject } from '../kube-object.ts';
import type { ContainerLogs } from './container-logs.ts';
import type { ObjectStore } from './object-store.ts';

const running = (name: string, id: string, restartCount = 0) => ({
  name,
  ready: true,
  restartCount,
  started: true,
  image: name === 'envoy' ? 'envoyproxy/envoy:v1.31.0' : 'nginx:1.27',
  imageID: '',
  containerID: `containerd://${id}`,
  state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
});

export function testPod(name = 'web-1', ip = '10.244.0.11'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web', tier: 'frontend' } },
    spec: {
      nodeName: 'sim-node-1',
      containers: [
        { name: 'nginx', image: 'nginx:1.27' },
        { name: 'envoy', image: 'envoyproxy/envoy:v1.31.0' },
      ],
    },
    status: {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      hostIP: '172.18.0.2',
      containerStatuses: [running('envoy', 'a'.repeat(64)), running('nginx', 'b'.repeat(64))],
    },
  };
}

export function testService(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { type: 'ClusterIP', clusterIP: '10.96.12.34', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

export function testEndpointSlice(): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc12', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [
      {
        addresses: ['10.244.0.11'],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: 'sim-node-1',
        targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1' },
      },
    ],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export function testConfigMap(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'envoy-config', namespace: 'default' },
    data: { 'envoy.yaml': 'static_resources: {}\n' },
  };
}

export function testNamespace(name = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } };
}

interface StatusLike {
  name: string;
  containerID: string;
  restartCount: number;
  state: Record<string, unknown>;
  lastState?: Record<string, unknown>;
}

/** Starts a log instance for every container status of a stored pod, under the status's containerID. */
export function startTestContainers(logs: ContainerLogs, pod: KubeObject): void {
  for (const cs of (pod.status as { containerStatuses: StatusLike[] }).containerStatuses) {
    logs.start({ namespace: pod.metadata.namespace ?? 'default', pod: pod.metadata.name, container: cs.name }, cs.containerID);
  }
}

/** Restarts one container as the kubelet would: new instance and ID, the old one in lastState.terminated. */
export function restartTestContainer(store: ObjectStore, logs: ContainerLogs, namespace: string, podName: string, container: string): void {
  const pod = store.get('pods', namespace, podName)!;
  const statuses = (pod.status as { containerStatuses: StatusLike[] }).containerStatuses;
  const cs = statuses.find((c) => c.name === container)!;
  const next = `containerd://${String(cs.restartCount + 1).padStart(64, 'f')}`;
  logs.start({ namespace, pod: podName, container }, next);
  cs.lastState = { terminated: { exitCode: 0, reason: 'Completed', containerID: cs.containerID, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z' } };
  cs.containerID = next;
  cs.restartCount++;
  delete pod.metadata.resourceVersion;
  store.update(pod);
}
