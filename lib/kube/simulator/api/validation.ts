// What the apiserver checks before it stores an object, for the fields the simulation reads: a bad object is refused
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

const container = z.looseObject({
  name: label,
  image: z.string().min(1),
  args: z.array(z.string()).optional(),
  command: z.array(z.string()).optional(),
  ports: z.array(z.looseObject({ containerPort: port, name: z.string().optional() })).optional(),
  volumeMounts: z.array(z.looseObject({ name: z.string().min(1), mountPath: z.string().min(1), subPath: z.string().optional() })).optional(),
});

const configMapProjection = z.looseObject({ name: z.string().min(1), items: z.array(z.looseObject({ key: z.string().min(1), path: z.string().min(1) })).optional() });

const schemas: Record<string, z.ZodType> = {
  Pod: z.looseObject({
    metadata,
    spec: z.looseObject({
      containers: z.array(container).min(1),
      initContainers: z.array(container).optional(),
      volumes: z.array(z.looseObject({
        name: label,
        configMap: configMapProjection.optional(),
        projected: z.looseObject({ sources: z.array(z.looseObject({ configMap: configMapProjection.optional() })) }).optional(),
      })).optional(),
      nodeName: z.string().optional(),
      terminationGracePeriodSeconds: z.number().int().min(0).optional(),
    }),
  }),
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
    if (value === undefined) return `${path}: Required value`;
    return `${path}: Invalid value: ${JSON.stringify(value)?.slice(0, 80)}: ${issue.message}`;
  });
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
  throw invalid(obj.kind, name, causes);
}
