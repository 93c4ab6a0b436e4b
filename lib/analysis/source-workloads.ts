// Which workload a source pod belongs to, from the pods the collector kept. A pod envoy-lens never saw as an object
// (an imported file named after it) stands for itself.
import type { PodInfo } from './analysis-input.ts';
import type { ResourceRef } from './finding.ts';

export interface SourceWorkload {
  namespace: string | null;
  kind: string;
  name: string;
}

export function workloadLookup(pods: PodInfo[]): (namespace: string | null, pod: string | null) => SourceWorkload {
  const byName = new Map<string, PodInfo>();
  for (const p of pods) byName.set(`${p.namespace}/${p.name}`, p);
  return (namespace, pod) => {
    const info = byName.get(`${namespace}/${pod}`);
    if (info) return { namespace, kind: info.workload.kind, name: info.workload.name };
    return { namespace, kind: pod ? 'Pod' : 'File', name: pod ?? '(imported file)' };
  };
}

export const workloadRef = (w: SourceWorkload): ResourceRef => ({ kind: 'Workload', namespace: w.namespace, name: `${w.kind}/${w.name}` });

export const workloadLabel = (w: SourceWorkload) => `${w.kind} ${w.namespace ? `${w.namespace}/` : ''}${w.name}`;
