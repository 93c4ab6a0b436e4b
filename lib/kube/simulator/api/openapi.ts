// A minimal OpenAPI v3 surface. `kubectl apply` (validate=strict, the default) asks /openapi/v3 whether PATCH on the
// object's path accepts `fieldValidation`; when it does, kubectl leaves validation to the server and needs no
// schemas. Empty `components.schemas` makes kubectl compute strategic-merge patches from its built-in types.
// Schemas themselves are not served, so `kubectl explain` does not work.
import { RESOURCE_TYPES, groupVersion } from './resources.ts';

/** URL path prefix of a group/version as OpenAPI v3 names it: `api/v1`, `apis/discovery.k8s.io/v1`. */
function gvPath(gv: string): string {
  return gv === 'v1' ? 'api/v1' : `apis/${gv}`;
}

const HASH = 'envoy-lens-sim-1';

export function openApiV3Root(): unknown {
  const paths: Record<string, unknown> = {};
  for (const gv of new Set(RESOURCE_TYPES.map(groupVersion))) {
    paths[gvPath(gv)] = { serverRelativeURL: `/openapi/v3/${gvPath(gv)}?hash=${HASH}` };
  }
  return { paths };
}

/** The document for one group/version path (`api/v1`), or undefined. */
export function openApiV3GroupVersion(path: string): unknown | undefined {
  const types = RESOURCE_TYPES.filter((t) => gvPath(groupVersion(t)) === path);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const base = t.namespaced ? `/${path}/namespaces/{namespace}/${t.plural}/{name}` : `/${path}/${t.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${t.kind}`,
        // kubectl looks for fieldValidation among the PATCH operation's own parameters.
        parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
          name,
          in: 'query',
          schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
        })),
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    components: { schemas: {} },
  };
}
