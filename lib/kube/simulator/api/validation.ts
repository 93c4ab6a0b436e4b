// What the apiserver checks before it stores an object, for the fields the simulation reads and the mistakes a
// manifest in deploy/ could make (selectors, downward-API paths, RBAC rules and bindings): a bad object is refused
// with 422 Invalid naming the field (`Pod "x" is invalid: spec.containers[0].image: Required value`), never stored
// for a controller to trip over later. Unknown fields pass, as the simulator does not model every schema.
import { z } from 'zod';
import type { KubeObject } from '../kube-object.ts';
import { invalid } from './status.ts';

const RFC1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const subdomain = z.string().max(253).regex(RFC1123_SUBDOMAIN, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
const label = z.string().max(63).regex(RFC1123_LABEL, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character");
const port = z.number().int().min(1, 'must be between 1 and 65535, inclusive').max(65535, 'must be between 1 and 65535, inclusive');
const strings = z.record(z.string(), z.string());

const metadata = z.looseObject({
  name: subdomain,
  namespace: label.optional(),
  labels: strings.optional(),
  annotations: strings.optional(),
});

// The downward API's fieldRef paths (pkg/apis/core/validation validEnvDownwardAPIFieldPathExpressions).
const FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const keyRef = z.looseObject({ name: z.string().min(1), key: z.string().min(1) });
const envVar = z.looseObject({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: z
    .looseObject({
      fieldRef: z.looseObject({
        fieldPath: z.string().refine((p) => FIELD_PATHS.includes(p) || /^metadata\.(labels|annotations)\['[^']+'\]$/.test(p), {
          message: `supported values: ${FIELD_PATHS.map((p) => JSON.stringify(p)).join(', ')}`,
        }),
      }).optional(),
      secretKeyRef: keyRef.optional(),
      configMapKeyRef: keyRef.optional(),
      resourceFieldRef: z.looseObject({ resource: z.string().min(1) }).optional(),
    })
    .refine((v) => ['fieldRef', 'secretKeyRef', 'configMapKeyRef', 'resourceFieldRef'].filter((k) => v[k] !== undefined).length === 1, {
      message: 'may not have more than one field specified at a time, and must have exactly one',
    })
    .optional(),
});

const container = z.looseObject({
  name: label,
  image: z.string().min(1),
  env: z.array(envVar).optional(),
  args: z.array(z.string()).optional(),
  command: z.array(z.string()).optional(),
  ports: z.array(z.looseObject({ containerPort: port, name: z.string().optional() })).optional(),
  volumeMounts: z.array(z.looseObject({ name: z.string().min(1), mountPath: z.string().min(1), subPath: z.string().optional() })).optional(),
});

const configMapProjection = z.looseObject({ name: z.string().min(1), items: z.array(z.looseObject({ key: z.string().min(1), path: z.string().min(1) })).optional() });

const podSpec = z.looseObject({
  containers: z.array(container).min(1),
  initContainers: z.array(container).optional(),
  volumes: z.array(z.looseObject({
    name: label,
    configMap: configMapProjection.optional(),
    projected: z.looseObject({ sources: z.array(z.looseObject({ configMap: configMapProjection.optional() })) }).optional(),
  })).optional(),
  nodeName: z.string().optional(),
  terminationGracePeriodSeconds: z.number().int().min(0).optional(),
});

/** Deployment/DaemonSet spec (apps/v1): a selector is required and must select the template's own labels. */
const workloadSpec = z
  .looseObject({
    replicas: z.number().int().min(0).optional(),
    selector: z.looseObject({ matchLabels: strings.optional(), matchExpressions: z.array(z.looseObject({ key: z.string().min(1), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']) })).optional() }),
    template: z.looseObject({ metadata: z.looseObject({ labels: strings.optional() }).optional(), spec: podSpec }),
  })
  .refine((s) => Object.keys(s.selector.matchLabels ?? {}).length + (s.selector.matchExpressions?.length ?? 0) > 0, { message: 'empty selector is invalid for deployment', path: ['selector'] })
  .refine((s) => Object.entries(s.selector.matchLabels ?? {}).every(([k, v]) => s.template.metadata?.labels?.[k] === v), {
    // matchExpressions are not checked against the labels.
    message: '`selector` does not match template `labels`',
    path: ['template', 'metadata', 'labels'],
  });

const policyRule = z
  .looseObject({ verbs: z.array(z.string().min(1)).min(1, 'verbs must contain at least one value'), apiGroups: z.array(z.string()).optional(), resources: z.array(z.string().min(1)).optional() })
  .refine((r) => !r.resources?.length || (r.apiGroups?.length ?? 0) > 0, { message: 'resource rules must supply at least one api group', path: ['apiGroups'] });

const subject = z
  .looseObject({ kind: z.enum(['ServiceAccount', 'User', 'Group']), name: z.string().min(1), namespace: z.string().optional() })
  .refine((s) => s.kind !== 'ServiceAccount' || !!s.namespace, { message: 'a ServiceAccount subject needs a namespace', path: ['namespace'] });

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const schemas: Record<string, z.ZodType> = {
  Pod: z.looseObject({ metadata, spec: podSpec }),
  Deployment: z.looseObject({ metadata, spec: workloadSpec }),
  DaemonSet: z.looseObject({ metadata, spec: workloadSpec }),
  ClusterRole: z.looseObject({ metadata, rules: z.array(policyRule).nullable().optional() }),
  ClusterRoleBinding: z.looseObject({
    metadata,
    roleRef: z.looseObject({ apiGroup: z.literal('rbac.authorization.k8s.io'), kind: z.literal('ClusterRole'), name: z.string().min(1) }),
    subjects: z.array(subject).optional(),
  }),
  Secret: z.looseObject({
    metadata,
    type: z.string().optional(),
    data: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/), z.string().regex(BASE64, 'illegal base64 data')).optional(),
  }),
  ServiceAccount: z.looseObject({ metadata }),
  Service: z.looseObject({
    metadata,
    spec: z.looseObject({
      type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
      clusterIP: z.string().optional(),
      selector: strings.optional(),
      ports: z.array(z.looseObject({
        port,
        targetPort: z.union([port, z.string().min(1)]).optional(),
        nodePort: port.optional(),
        name: z.string().optional(),
        protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
      })).optional(),
    }),
  }),
  ConfigMap: z.looseObject({ metadata, data: strings.optional(), binaryData: strings.optional() }),
  EndpointSlice: z.looseObject({
    metadata,
    addressType: z.enum(['IPv4', 'IPv6', 'FQDN']),
    endpoints: z.array(z.looseObject({
      addresses: z.array(z.string()).min(1),
      conditions: z.looseObject({ ready: z.boolean().optional(), serving: z.boolean().optional(), terminating: z.boolean().optional() }).optional(),
    })).nullable().optional(),
  }),
  Namespace: z.looseObject({ metadata }),
};

function fieldPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function valueAt(obj: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), obj);
}

/** Throws a 422 Invalid Status listing every problem, in the apiserver's wording. */
export function validateObject(obj: KubeObject): void {
  const schema = schemas[obj.kind];
  if (!schema) return;
  const r = schema.safeParse(obj);
  if (r.success) return;
  const causes = r.error.issues.slice(0, 10).map((issue) => {
    const path = fieldPath(issue.path);
    const value = valueAt(obj, issue.path);
    if (value === undefined) return issue.code === 'custom' ? `${path}: Required value: ${issue.message}` : `${path}: Required value`;
    return `${path}: Invalid value: ${JSON.stringify(value)?.slice(0, 80)}: ${issue.message}`;
  });
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
  throw invalid(obj.kind, name, causes);
}
