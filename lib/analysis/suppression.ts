// Silencing rules: for one resource with the annotation `envoy-lens.io/suppress: EL0003` (several codes separated by
// commas or spaces; `all` for every rule) on the Service, ConfigMap or pod a finding is about or related to; or
// everywhere, from the configuration. Silenced findings are kept and shown as such, never dropped.
import type { ConfigMapInfo, PodInfo, ServiceInfo } from './analysis-input.ts';
import { resourceName, SUPPRESS_ANNOTATION, type Finding, type ResourceRef } from './finding.ts';

export interface SuppressionSources {
  services: ServiceInfo[];
  pods: PodInfo[];
  configMaps: ConfigMapInfo[];
  /** Codes silenced everywhere (configuration). */
  globalCodes: ReadonlySet<string>;
}

/** The codes an annotation value names; `all` (or `*`) stands for every code. */
export function parseSuppressAnnotation(value: string | undefined): Set<string> {
  return new Set((value ?? '').split(/[\s,;]+/).map((s) => s.trim().toUpperCase()).filter(Boolean).map((s) => (s === '*' ? 'ALL' : s)));
}

const silences = (codes: Set<string>, code: string) => codes.has(code) || codes.has('ALL');

/** Why a finding is silenced, or null when it is shown. */
export function suppressionOf(finding: Finding, sources: SuppressionSources): string | null {
  if (sources.globalCodes.has(finding.code)) return `${finding.code} is silenced everywhere by the configuration`;
  const refs: ResourceRef[] = [finding.resource, ...(finding.related ?? [])];
  for (const ref of refs) {
    for (const annotations of annotationsOf(ref, sources)) {
      if (silences(parseSuppressAnnotation(annotations[SUPPRESS_ANNOTATION]), finding.code)) {
        return `annotation ${SUPPRESS_ANNOTATION} on ${ref.kind} ${resourceName(ref)}`;
      }
    }
  }
  return null;
}

function annotationsOf(ref: ResourceRef, s: SuppressionSources): Record<string, string>[] {
  const same = (o: { namespace: string; name: string }) => o.name === ref.name && (ref.namespace ?? null) === o.namespace;
  switch (ref.kind) {
    case 'Service':
      return s.services.filter((o) => same(o) && o.deletedMs === null).map((o) => o.annotations);
    case 'ConfigMap':
      return s.configMaps.filter(same).map((o) => o.annotations);
    case 'Pod':
      return s.pods.filter(same).map((o) => o.annotations);
    case 'Workload':
      // A workload is silenced through its pods' annotations (set in the pod template), current pods first.
      return s.pods.filter((p) => p.namespace === ref.namespace && `${p.workload.kind}/${p.workload.name}` === ref.name && p.deletedMs === null).map((p) => p.annotations);
    default:
      return [];
  }
}
