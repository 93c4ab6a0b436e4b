// A finding: one thing envoy-lens noticed about the cluster's Envoys, from their configs or their traffic. Findings are
// data: a rule code with its own explanation page, a severity, the resource it is about, where (a ConfigMap key and
// line for config checks), when it was seen, evidence, and the fix.
import type { RuleCode, Severity } from './rules.ts';

/** A Kubernetes object, or an Envoy cluster inside a pod's config, that a finding is about. */
export interface ResourceRef {
  kind: 'Service' | 'Pod' | 'ConfigMap' | 'Workload' | 'File';
  namespace?: string | null;
  name: string;
}

/** Where in a config file: the file (or ConfigMap and key), the line, and the path inside the Envoy bootstrap. */
export interface FindingLocation {
  file?: string;
  configMap?: { namespace: string; name: string; key: string };
  line?: number;
  configPath?: string;
}

export interface FindingFix {
  /** What to do, in plain words. */
  summary: string;
  /** Files to apply or edit, each valid YAML (a manifest for `kubectl apply`, or an envoy.yaml excerpt). */
  files?: { name: string; description: string; text: string }[];
}

export interface Finding {
  code: RuleCode;
  severity: Severity;
  /** Stable identity across refreshes: the code plus what the finding is about, e.g. `EL0001|default/nginx-test|backend_cluster|default/backend-service`. */
  key: string;
  resource: ResourceRef;
  /** Objects whose `envoy-lens.io/suppress` annotation silences this finding, besides `resource`. */
  related?: ResourceRef[];
  location?: FindingLocation;
  /** One line. */
  title: string;
  /** What was seen and why it matters, in plain words. */
  message: string;
  fix?: FindingFix;
  /** Epoch ms of the first and last record behind a traffic finding; null for config findings. */
  firstSeenMs: number | null;
  lastSeenMs: number | null;
  /** Counts and sample values behind the finding (JSON-serialisable). */
  evidence: Record<string, unknown>;
}

export const SUPPRESS_ANNOTATION = 'envoy-lens.io/suppress';

/** `namespace/name`, or `name` for cluster-scoped and file resources. */
export function resourceName(r: ResourceRef): string {
  return r.namespace ? `${r.namespace}/${r.name}` : r.name;
}
