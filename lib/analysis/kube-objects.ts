// The Kubernetes objects the collector stored, read back into the shapes the analysis uses. The JSON came from the
// API server, so it is checked like any input: an object that does not fit is skipped and reported, never trusted.
import { z } from 'zod';
import type { KubeObjectRow } from '../store/analysis-store.ts';
import type { ConfigMapInfo, PodInfo, ServiceInfo } from './analysis-input.ts';

const stringMap = z.record(z.string(), z.string()).catch({});
const base = { name: z.string().min(1), namespace: z.string().min(1), uid: z.string(), labels: stringMap, annotations: stringMap };

const serviceSchema = z.object({
  ...base,
  spec: z.object({
    type: z.string().catch('ClusterIP'),
    clusterIP: z.string().nullable().catch(null),
    selector: stringMap,
    ports: z.array(z.object({ name: z.string().optional(), port: z.number().int(), targetPort: z.union([z.number(), z.string()]).optional(), protocol: z.string().optional() })).catch([]),
  }),
});

const podSchema = z.object({
  ...base,
  workload: z.object({ kind: z.string(), name: z.string() }),
  envoyContainers: z.array(z.string()).catch([]),
  spec: z.unknown(),
});

const configMapSchema = z.object({ ...base, resourceVersion: z.string().nullable().optional().catch(null), data: stringMap });

export interface KubeObjects {
  services: ServiceInfo[];
  pods: PodInfo[];
  configMaps: ConfigMapInfo[];
  /** Objects that did not fit their schema, with why. */
  skipped: string[];
}

export function readKubeObjects(rows: KubeObjectRow[]): KubeObjects {
  const out: KubeObjects = { services: [], pods: [], configMaps: [], skipped: [] };
  for (const row of rows) {
    let json: unknown;
    try {
      json = JSON.parse(row.json);
    } catch {
      out.skipped.push(`${row.kind} ${row.namespace}/${row.name}: stored JSON is not valid`);
      continue;
    }
    const schema = row.kind === 'Service' ? serviceSchema : row.kind === 'Pod' ? podSchema : configMapSchema;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      out.skipped.push(`${row.kind} ${row.namespace}/${row.name}: ${issue.path.join('.') || 'object'}: ${issue.message}`);
      continue;
    }
    const d = parsed.data as z.infer<typeof serviceSchema> & z.infer<typeof podSchema> & z.infer<typeof configMapSchema>;
    const common = { namespace: d.namespace, name: d.name, uid: d.uid, annotations: d.annotations };
    if (row.kind === 'Service') {
      const spec = (parsed.data as z.infer<typeof serviceSchema>).spec;
      out.services.push({ ...common, labels: d.labels, clusterIP: spec.type === 'ExternalName' ? null : spec.clusterIP, type: spec.type, selector: spec.selector, ports: spec.ports, deletedMs: row.deletedMs });
    } else if (row.kind === 'Pod') {
      out.pods.push({ ...common, labels: d.labels, workload: d.workload, envoyContainers: d.envoyContainers, spec: d.spec, deletedMs: row.deletedMs });
    } else {
      out.configMaps.push({ ...common, ...(d.resourceVersion ? { resourceVersion: d.resourceVersion } : {}), data: d.data });
    }
  }
  return out;
}
