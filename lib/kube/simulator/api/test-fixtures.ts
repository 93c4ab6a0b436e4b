// Objects for the API server tests: one pod with nginx + envoy, its Service, EndpointSlice and a ConfigMap.
import type { KubeObject } from '../kube-object.ts';

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
