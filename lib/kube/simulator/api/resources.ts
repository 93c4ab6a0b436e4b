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
];

export type ResourceName = 'pods' | 'services' | 'configmaps' | 'namespaces' | 'endpointslices';

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
