// The seed scenario (fixtures/seed/README.md) as the objects the simulated API serves: namespace default, the
// envoy-config ConfigMap, the three Services, the nginx-test pod with its Envoy sidecar, two backend pods, and one
// EndpointSlice per Service. The ConfigMaps and Services are read from the fixture files, not retyped, so the
// simulator and the tests of the config reader see the same bytes.
import { readFileSync } from 'node:fs';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import type { KubeObject } from '../kube-object.ts';
import { endpointPodOf, endpointSliceFor, serviceLike } from './kube-builders.ts';
import type { ScenarioSpec, WorkloadSpec } from './scenario-spec.ts';
import { workloadPodObject } from './workload-pods.ts';

const fixtureUrl = (file: string) => new URL(`../../../../fixtures/seed/${file}`, import.meta.url);

export const SEED_NODE = 'wilson';
export const SEED_NGINX_POD = 'nginx-test-6df974c9f9-qksd4';
export const SEED_NGINX_IP = '10.244.0.80';
export const SEED_BACKEND_PODS = [
  { name: 'backend-7b9c5d8f6d-4xk2p', ip: '10.244.0.81' },
  { name: 'backend-7b9c5d8f6d-9mzqw', ip: '10.244.0.82' },
] as const;
export const SEED_SERVICE_IP = '10.105.148.194';
/** When the scenario's pods started, unless given. */
export const SEED_START_MS = Date.UTC(2025, 11, 16, 9, 40, 0);

export type SeedVariant = 'clusterip' | 'headless';

/** The envoy-config ConfigMap of a variant, as read from its fixture file. */
export function seedConfigMap(variant: SeedVariant = 'clusterip'): KubeObject {
  const file = variant === 'clusterip' ? 'envoy-config.configmap.yaml' : 'envoy-config-headless.configmap.yaml';
  const doc = parseYaml(readFileSync(fixtureUrl(file), 'utf8')) as KubeObject;
  return { apiVersion: doc.apiVersion, kind: doc.kind, metadata: { ...doc.metadata }, data: { ...(doc.data as Record<string, string>) } };
}

/** data["envoy.yaml"] of a variant: the text the sidecar runs. */
export function seedEnvoyYaml(variant: SeedVariant = 'clusterip'): string {
  return (seedConfigMap(variant).data as Record<string, string>)['envoy.yaml']!;
}

/** The Services of services.yaml, completed with the defaults the API server fills in. */
export function seedServices(): KubeObject[] {
  const docs = parseAllDocuments(readFileSync(fixtureUrl('services.yaml'), 'utf8')).map((d) => d.toJS() as KubeObject);
  return docs.map((svc) => {
    const spec = { ...(svc.spec as Record<string, unknown>) };
    spec.type ??= 'ClusterIP';
    spec.clusterIPs = [spec.clusterIP];
    spec.sessionAffinity = 'None';
    spec.ipFamilies = ['IPv4'];
    spec.ipFamilyPolicy = 'SingleStack';
    spec.internalTrafficPolicy = 'Cluster';
    if (spec.type === 'NodePort') spec.externalTrafficPolicy = 'Cluster';
    spec.ports = (spec.ports as Record<string, unknown>[]).map((p) => ({ protocol: 'TCP', ...p }));
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { ...svc.metadata, namespace: svc.metadata.namespace ?? 'default' },
      spec,
      status: { loadBalancer: {} },
    };
  });
}

export function seedNamespace(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

const SEED_HOST_IP = '192.168.49.2';

/** The two workloads of the seed: nginx-test (nginx in front of an Envoy sidecar) and the two backend replicas. */
export function seedWorkloads(): WorkloadSpec[] {
  return [
    {
      kind: 'Deployment',
      name: 'nginx-test',
      namespace: 'default',
      replicas: 1,
      labels: { app: 'nginx-test' },
      templateHash: '6df974c9f9',
      initialPods: [{ name: SEED_NGINX_POD, node: SEED_NODE, ip: SEED_NGINX_IP }],
      containers: [
        { kind: 'app', app: 'nginx', name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] },
        {
          kind: 'envoy',
          role: 'edge',
          name: 'envoy',
          image: 'envoyproxy/envoy:v1.32-latest',
          args: ['-c', '/etc/envoy/envoy.yaml'],
          ports: [{ containerPort: 10000 }, { containerPort: 9901 }],
          volumeMounts: [{ name: 'envoy-config', mountPath: '/etc/envoy' }],
        },
      ],
      volumes: [{ name: 'envoy-config', configMap: { name: 'envoy-config', defaultMode: 420 } }],
      callers: 'local',
    },
    {
      kind: 'Deployment',
      name: 'backend',
      namespace: 'default',
      replicas: 2,
      labels: { app: 'backend' },
      templateHash: '7b9c5d8f6d',
      initialPods: SEED_BACKEND_PODS.map((b) => ({ name: b.name, node: SEED_NODE, ip: b.ip })),
      containers: [
        {
          kind: 'app', app: 'http-echo', name: 'backend', image: 'hashicorp/http-echo:1.0',
          args: ['-listen=:10000', '-text=hello from backend'], ports: [{ containerPort: 10000 }],
        },
      ],
    },
  ];
}

/** The seed scenario as the simulation runs it; `variant` picks the ConfigMap the Envoy sidecar starts with. */
export function seedScenario(variant: SeedVariant = 'clusterip'): ScenarioSpec {
  return {
    name: 'seed',
    description: 'nginx-test with an Envoy sidecar in front of two backend pods (fixtures/seed)',
    nodes: [{ name: SEED_NODE, podCidr: '10.244.0.0/24', hostIP: SEED_HOST_IP }],
    objects: [seedNamespace(), seedConfigMap(variant), ...seedServices()],
    workloads: seedWorkloads(),
    defaultRate: 10,
  };
}

function seedPod(workload: number, index: number, startedMs: number): KubeObject {
  const w = seedWorkloads()[workload]!;
  const p = w.initialPods![index]!;
  return workloadPodObject(w, { ...p, hostIP: SEED_HOST_IP, startedMs });
}

export function seedNginxPod(startedMs = SEED_START_MS): KubeObject {
  return seedPod(0, 0, startedMs);
}

export function seedBackendPod(index: number, startedMs = SEED_START_MS): KubeObject {
  if (!SEED_BACKEND_PODS[index]) throw new Error(`the seed has backend pods 0 and 1, not ${index}`);
  return seedPod(1, index, startedMs);
}

/** The EndpointSlices the controller would keep for these Services and pods (selector = equality on labels). */
export function endpointSlicesFor(services: KubeObject[], pods: KubeObject[]): KubeObject[] {
  return services.map((svc) => {
    const selector = ((svc.spec as { selector?: Record<string, string> }).selector) ?? {};
    const selected = pods.filter((p) => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v));
    return endpointSliceFor(serviceLike(svc), selected.map(endpointPodOf));
  });
}

/** Every object of the seed scenario, in an order a store can load them (namespace first). */
export function seedScenarioObjects(options: { variant?: SeedVariant; startedMs?: number } = {}): KubeObject[] {
  const services = seedServices();
  const pods = [seedNginxPod(options.startedMs), seedBackendPod(0, options.startedMs), seedBackendPod(1, options.startedMs)];
  return [seedNamespace(), seedConfigMap(options.variant), ...services, ...pods, ...endpointSlicesFor(services, pods)];
}

/**
 * Cluster DNS over a set of objects: a ClusterIP Service name resolves to its ClusterIP, a headless one to the IPs of
 * its ready endpoints (as CoreDNS answers from EndpointSlices). Names may be short, `svc.ns` or fully qualified.
 */
export function clusterDns(objects: KubeObject[], namespace = 'default'): (hostname: string) => string[] {
  return (hostname) => {
    const [name, ns = namespace] = hostname.replace(/\.svc(\.cluster\.local)?\.?$/, '').split('.');
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === name && (o.metadata.namespace ?? 'default') === ns);
    if (!svc) return [];
    const clusterIP = (svc.spec as { clusterIP?: string }).clusterIP;
    if (clusterIP && clusterIP !== 'None') return [clusterIP];
    const ips: string[] = [];
    for (const o of objects) {
      if (o.kind !== 'EndpointSlice' || o.metadata.labels?.['kubernetes.io/service-name'] !== name) continue;
      if ((o.metadata.namespace ?? 'default') !== ns) continue;
      for (const e of (o.endpoints as { addresses: string[]; conditions?: { ready?: boolean } }[]) ?? []) {
        if (e.conditions?.ready !== false) ips.push(...e.addresses);
      }
    }
    return ips;
  };
}
