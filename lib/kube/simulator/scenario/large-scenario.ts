// The larger scenario: three nodes, several namespaces, 20 Envoy containers in every role and format, and the cases
// envoy-lens must tell apart:
// - a request chain across three services with one X-Request-ID: gateway (istio-proxy, Istio's default format) →
//   frontend (egress sidecar, json_format) → orders (egress sidecar, text) → payments (ingress sidecar, Envoy's
//   default format);
// - a ClusterIP leak: orders' STRICT_DNS cluster points at the payments ClusterIP Service;
// - balanced round robin over headless Services (gateway → frontend, frontend → orders);
// - LOGICAL_DNS on a headless Service (catalog → reviews): Envoy uses one host only;
// - an Envoy DaemonSet per node (envoy-system/node-proxy) that all local pods call, told apart by
//   %DOWNSTREAM_REMOTE_ADDRESS%, balancing RANDOM over inventory.
import { stringify } from 'yaml';
import { ISTIO_DEFAULT_FORMAT } from '../../../envoy/default-formats.ts';
import type { KubeObject } from '../kube-object.ts';
import type { NodeSpec, ScenarioSpec, WorkloadContainer, WorkloadSpec } from './scenario-spec.ts';

const NODES: NodeSpec[] = [
  { name: 'node-a', podCidr: '10.244.0.0/24', hostIP: '192.168.49.2' },
  { name: 'node-b', podCidr: '10.244.1.0/24', hostIP: '192.168.49.3' },
  { name: 'node-c', podCidr: '10.244.2.0/24', hostIP: '192.168.49.4' },
];

const ENVOY_IMAGE = 'envoyproxy/envoy:v1.32-latest';

interface BootstrapInput {
  listenerPort: number;
  statPrefix: string;
  /** text_format, json_format, or Envoy's default format (no log_format). */
  log: { text: string } | { json: Record<string, unknown> } | { envoyDefault: true };
  cluster: { name: string; type: 'STRICT_DNS' | 'LOGICAL_DNS' | 'STATIC'; lbPolicy: string; address: string; port: number };
}

/** An envoy.yaml with one HTTP listener logging to stdout and one cluster. */
function bootstrap(b: BootstrapInput): string {
  const accessLog: Record<string, unknown> = {
    name: 'envoy.access_loggers.stdout',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog' },
  };
  if ('text' in b.log) (accessLog.typed_config as Record<string, unknown>).log_format = { text_format: b.log.text };
  if ('json' in b.log) (accessLog.typed_config as Record<string, unknown>).log_format = { json_format: b.log.json };
  const doc = {
    static_resources: {
      listeners: [{
        name: `${b.statPrefix}_listener`,
        address: { socket_address: { address: '0.0.0.0', port_value: b.listenerPort } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: b.statPrefix,
              route_config: { name: 'local_route', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: b.cluster.name } }] }] },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
              access_log: [accessLog],
            },
          }],
        }],
      }],
      clusters: [{
        name: b.cluster.name,
        connect_timeout: '1s',
        type: b.cluster.type,
        lb_policy: b.cluster.lbPolicy,
        load_assignment: {
          cluster_name: b.cluster.name,
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: b.cluster.address, port_value: b.cluster.port } } } }] }],
        },
      }],
    },
    admin: { address: { socket_address: { address: '0.0.0.0', port_value: 9901 } } },
  };
  return stringify(doc, { lineWidth: 0 });
}

function configMap(namespace: string, name: string, envoyYaml: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { 'envoy.yaml': envoyYaml } };
}

function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

function service(ns: string, name: string, app: string, clusterIP: string, port = 8080): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, labels: { app } },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      selector: { app },
      ports: [{ name: 'http', port, targetPort: 8080, protocol: 'TCP' }],
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  };
}

function headless(ns: string, name: string, app: string): KubeObject {
  const svc = service(ns, name, app, 'None');
  (svc.spec as Record<string, unknown>).clusterIPs = ['None'];
  return svc;
}

const envoySidecar = (role: 'edge' | 'egress' | 'ingress', configMapName: string): { container: WorkloadContainer; volume: unknown } => ({
  container: {
    kind: 'envoy', role, name: 'envoy', image: ENVOY_IMAGE, args: ['-c', '/etc/envoy/envoy.yaml'],
    ports: [{ containerPort: 15001 }, { containerPort: 9901 }],
    volumeMounts: [{ name: 'envoy-config', mountPath: '/etc/envoy', readOnly: true }],
  },
  volume: { name: 'envoy-config', configMap: { name: configMapName, defaultMode: 420 } },
});

const app = (name: string): WorkloadContainer => ({ kind: 'app', app: 'json-service', name, image: `registry.example.com/shop/${name}:2.4.1`, ports: [{ containerPort: 8080 }] });

function deployment(ns: string, name: string, replicas: number, containers: WorkloadContainer[], volumes: unknown[] = [], extra: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return { kind: 'Deployment', name, namespace: ns, replicas, labels: { app: name }, containers, ...(volumes.length ? { volumes } : {}), ...extra };
}

/** Text format of the orders sidecar: the seed's fields plus who called (%DOWNSTREAM_REMOTE_ADDRESS%). */
const ORDERS_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_SENT% ' +
  '%DURATION% %REQ(X-REQUEST-ID)% "%REQ(USER-AGENT)%" %DOWNSTREAM_REMOTE_ADDRESS% %UPSTREAM_HOST% %UPSTREAM_CLUSTER%\n';

/** The per-node proxy logs who called it and where it sent the request. */
const NODE_PROXY_FORMAT =
  '%START_TIME% %DOWNSTREAM_REMOTE_ADDRESS% -> %UPSTREAM_HOST% "%REQ(:METHOD)% %REQ(:PATH)%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%DURATION%ms rid=%REQ(X-REQUEST-ID)% ua="%REQ(USER-AGENT)%"\n';

const FRONTEND_JSON = {
  start_time: '%START_TIME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
};

export function largeScenario(): ScenarioSpec {
  const dns = (svc: string, ns: string) => `${svc}.${ns}.svc.cluster.local`;
  const configs = [
    configMap('shop', 'frontend-envoy', bootstrap({
      listenerPort: 15001, statPrefix: 'frontend_egress', log: { json: FRONTEND_JSON },
      cluster: { name: 'orders', type: 'STRICT_DNS', lbPolicy: 'ROUND_ROBIN', address: dns('orders-headless', 'shop'), port: 8080 },
    })),
    configMap('shop', 'orders-envoy', bootstrap({
      listenerPort: 15001, statPrefix: 'orders_egress', log: { text: ORDERS_FORMAT },
      cluster: { name: 'payments', type: 'STRICT_DNS', lbPolicy: 'ROUND_ROBIN', address: dns('payments', 'payments'), port: 8080 },
    })),
    configMap('shop', 'catalog-envoy', bootstrap({
      listenerPort: 10000, statPrefix: 'catalog', log: { text: ORDERS_FORMAT },
      cluster: { name: 'reviews', type: 'LOGICAL_DNS', lbPolicy: 'LEAST_REQUEST', address: dns('reviews-headless', 'shop'), port: 8080 },
    })),
    configMap('payments', 'payments-envoy', bootstrap({
      listenerPort: 15006, statPrefix: 'payments_inbound', log: { envoyDefault: true },
      cluster: { name: 'local_app', type: 'STATIC', lbPolicy: 'ROUND_ROBIN', address: '127.0.0.1', port: 8080 },
    })),
    configMap('envoy-system', 'node-proxy-envoy', bootstrap({
      listenerPort: 10000, statPrefix: 'node_proxy', log: { text: NODE_PROXY_FORMAT },
      cluster: { name: 'inventory', type: 'STRICT_DNS', lbPolicy: 'RANDOM', address: dns('inventory-headless', 'shop'), port: 8080 },
    })),
  ];
  // istio-proxy gets its config from istiod over xDS, not from a file: the simulation holds it inline.
  const gatewayConfig = bootstrap({
    listenerPort: 8080, statPrefix: 'outbound_0.0.0.0_8080', log: { text: ISTIO_DEFAULT_FORMAT },
    cluster: { name: 'outbound|8080||frontend.shop.svc.cluster.local', type: 'STRICT_DNS', lbPolicy: 'ROUND_ROBIN', address: dns('frontend-headless', 'shop'), port: 8080 },
  });

  const frontend = envoySidecar('egress', 'frontend-envoy');
  const orders = envoySidecar('egress', 'orders-envoy');
  const payments = envoySidecar('ingress', 'payments-envoy');
  const catalog = envoySidecar('edge', 'catalog-envoy');
  const nodeProxy = envoySidecar('edge', 'node-proxy-envoy');

  const workloads: WorkloadSpec[] = [
    deployment('edge', 'gateway', 2, [{
      kind: 'envoy', role: 'edge', name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2', inlineConfig: gatewayConfig,
      args: ['proxy', 'router', '--domain', 'edge.svc.cluster.local'], ports: [{ containerPort: 8080 }, { containerPort: 15090 }],
    }], [], { callers: ['192.168.49.1', '203.0.113.7', '198.51.100.23'], weight: 4 }),
    deployment('shop', 'frontend', 5, [app('frontend'), frontend.container], [frontend.volume]),
    deployment('shop', 'orders', 4, [app('orders'), orders.container], [orders.volume]),
    deployment('payments', 'payments', 3, [app('payments'), payments.container], [payments.volume]),
    deployment('shop', 'catalog', 3, [app('catalog'), catalog.container], [catalog.volume], { callers: 'local' }),
    deployment('shop', 'reviews', 2, [app('reviews')]),
    deployment('shop', 'inventory', 3, [app('inventory')]),
    {
      kind: 'DaemonSet', name: 'node-proxy', namespace: 'envoy-system', labels: { app: 'node-proxy' },
      annotations: { 'kubectl.kubernetes.io/default-container': 'envoy' },
      containers: [nodeProxy.container], volumes: [nodeProxy.volume], callers: 'node-pods',
    },
  ];

  return {
    name: 'large',
    description: '3 nodes, 4 namespaces, 20 Envoy containers: a gateway → frontend → orders → payments chain, a ClusterIP leak, LOGICAL_DNS on a headless Service, an Envoy DaemonSet',
    nodes: NODES,
    objects: [
      ...['default', 'edge', 'shop', 'payments', 'envoy-system'].map(namespace),
      ...configs,
      service('edge', 'gateway', 'gateway', '10.100.0.10', 80),
      service('shop', 'frontend', 'frontend', '10.100.1.10'), headless('shop', 'frontend-headless', 'frontend'),
      service('shop', 'orders', 'orders', '10.100.1.20'), headless('shop', 'orders-headless', 'orders'),
      service('payments', 'payments', 'payments', '10.100.2.10'),
      service('shop', 'catalog', 'catalog', '10.100.1.30'),
      service('shop', 'reviews', 'reviews', '10.100.1.40'), headless('shop', 'reviews-headless', 'reviews'),
      service('shop', 'inventory', 'inventory', '10.100.1.50'), headless('shop', 'inventory-headless', 'inventory'),
    ],
    workloads,
    defaultRate: 40,
  };
}
