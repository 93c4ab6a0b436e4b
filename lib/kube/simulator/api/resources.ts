// The resource types the simulator serves, described once so discovery, routing, the store and tables agree.

export interface ResourceType {
  /** URL plural, also the store's collection name: `pods`. */
  plural: string;
  singular: string;
  kind: string;
  /** '' for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
}

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'patch', 'update'];

/** A resource that is only stored and served: no controller acts on it (RBAC, Secrets, workloads as objects). */
function stored(plural: string, kind: string, group: string, namespaced: boolean, shortNames: string[] = []): ResourceType {
  return { plural, singular: kind.toLowerCase(), kind, group, version: 'v1', namespaced, shortNames, verbs: [...READ, ...WRITE] };
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { plural: 'pods', singular: 'pod', kind: 'Pod', group: '', version: 'v1', namespaced: true, shortNames: ['po'], verbs: [...READ, ...WRITE] },
  { plural: 'services', singular: 'service', kind: 'Service', group: '', version: 'v1', namespaced: true, shortNames: ['svc'], verbs: [...READ, ...WRITE] },
  { plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', group: '', version: 'v1', namespaced: true, shortNames: ['cm'], verbs: [...READ, ...WRITE] },
  { plural: 'namespaces', singular: 'namespace', kind: 'Namespace', group: '', version: 'v1', namespaced: false, shortNames: ['ns'], verbs: [...READ, ...WRITE] },
  {
    plural: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    version: 'v1',
    namespaced: true,
    shortNames: [],
    verbs: [...READ, ...WRITE],
  },
  // What deploy/ applies. The simulation's own workloads are not published as Deployments/DaemonSets, and an applied
  // one starts no pods: these are stored so `kubectl apply` (and its server-side dry run) works on real manifests.
  stored('secrets', 'Secret', '', true),
  stored('serviceaccounts', 'ServiceAccount', '', true, ['sa']),
  stored('deployments', 'Deployment', 'apps', true, ['deploy']),
  stored('daemonsets', 'DaemonSet', 'apps', true, ['ds']),
  stored('clusterroles', 'ClusterRole', 'rbac.authorization.k8s.io', false),
  stored('clusterrolebindings', 'ClusterRoleBinding', 'rbac.authorization.k8s.io', false),
];

export type ResourceName =
  | 'pods'
  | 'services'
  | 'configmaps'
  | 'namespaces'
  | 'endpointslices'
  | 'secrets'
  | 'serviceaccounts'
  | 'deployments'
  | 'daemonsets'
  | 'clusterroles'
  | 'clusterrolebindings';

export function groupVersion(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

export function resourceByPlural(group: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.plural === plural);
}

/** The resource a stored object belongs to, from its apiVersion and kind. */
export function resourceForObject(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => groupVersion(t) === apiVersion && t.kind === kind);
}
