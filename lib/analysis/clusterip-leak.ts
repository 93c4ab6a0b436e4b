// EL0001 ClusterIP leak: records whose upstream was a Service's ClusterIP at the record's time (the collector resolved
// it against the IP history), one finding per source workload, Envoy cluster and Service.
import type { TrafficCell } from './analysis-input.ts';
import type { Finding, FindingFix, ResourceRef } from './finding.ts';
import { RULES } from './rules.ts';
import { workloadLabel, workloadRef, type SourceWorkload } from './source-workloads.ts';

export interface LeakGroup {
  workload: SourceWorkload;
  cluster: string | null;
  serviceNamespace: string;
  service: string;
  /** The ClusterIPs logged (normally one). */
  ips: string[];
  /** Source pods whose Envoys sent these records. */
  sourcePods: string[];
  records: number;
  /** All records of that workload on that Envoy cluster in the window. */
  clusterRecords: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Start of the last second in which the workload's cluster sent to a pod directly; null if it never did. */
  lastPodSecondMs: number | null;
}

/** A leak whose cluster has sent only to pods for this long after its last leaking record counts as resolved (a
 * config change took effect; Envoy may take a DNS refresh to switch). */
export const RESOLVED_AFTER_MS = 30_000;

const groupKey = (w: SourceWorkload, cluster: string | null) => `${w.namespace}/${w.kind}/${w.name}|${cluster ?? ''}`;

export function leakGroups(cells: TrafficCell[], workloadOf: (ns: string | null, pod: string | null) => SourceWorkload): LeakGroup[] {
  const totals = new Map<string, number>();
  const lastPod = new Map<string, number>();
  const groups = new Map<string, LeakGroup>();
  for (const c of cells) {
    const w = workloadOf(c.sourceNamespace, c.sourcePod);
    const base = groupKey(w, c.cluster);
    totals.set(base, (totals.get(base) ?? 0) + c.count);
    if (c.upstreamKind === 'pod') lastPod.set(base, Math.max(lastPod.get(base) ?? -Infinity, c.second * 1000));
    if (c.upstreamKind !== 'service' || !c.upstreamService) continue;
    const key = `${base}|${c.upstreamNamespace}/${c.upstreamService}`;
    let g = groups.get(key);
    if (!g) {
      g = { workload: w, cluster: c.cluster, serviceNamespace: c.upstreamNamespace ?? w.namespace ?? 'default', service: c.upstreamService, ips: [], sourcePods: [], records: 0, clusterRecords: 0, firstSeenMs: Infinity, lastSeenMs: -Infinity, lastPodSecondMs: null };
      groups.set(key, g);
    }
    g.records += c.count;
    if (c.upstreamIp && !g.ips.includes(c.upstreamIp)) g.ips.push(c.upstreamIp);
    if (c.sourcePod && !g.sourcePods.includes(c.sourcePod)) g.sourcePods.push(c.sourcePod);
    g.firstSeenMs = Math.min(g.firstSeenMs, c.second * 1000);
    g.lastSeenMs = Math.max(g.lastSeenMs, c.second * 1000 + 999);
  }
  for (const g of groups.values()) {
    g.clusterRecords = totals.get(groupKey(g.workload, g.cluster)) ?? g.records;
    g.lastPodSecondMs = lastPod.get(groupKey(g.workload, g.cluster)) ?? null;
  }
  return [...groups.values()].sort((a, b) => b.records - a.records);
}

export interface LeakContext {
  /** The fix for a group: a headless Service and the cluster change, when the Service and config are known. */
  fixFor?: (g: LeakGroup) => FindingFix | undefined;
  /** Objects whose suppress annotation silences the finding: the Service, the source pods, their ConfigMap. */
  relatedOf?: (g: LeakGroup) => ResourceRef[];
}

const pct = (part: number, whole: number) => `${whole ? ((100 * part) / whole).toFixed(part === whole ? 0 : 1) : '0'}%`;

export function leakFindings(groups: LeakGroup[], ctx: LeakContext = {}): Finding[] {
  const rule = RULES.EL0001;
  return groups.map((g) => {
    const svc = `${g.serviceNamespace}/${g.service}`;
    const cluster = g.cluster ?? '(cluster not logged)';
    const share = pct(g.records, g.clusterRecords);
    // Sending only to pods for a while since the last leaking record: the fix took effect. Kept as history.
    const resolved = g.lastPodSecondMs !== null && g.lastPodSecondMs - g.lastSeenMs >= RESOLVED_AFTER_MS;
    const fix = ctx.fixFor?.(g) ?? {
      summary: `Create a headless Service (clusterIP: None) with ${svc}'s selector and ports, and point Envoy cluster ${cluster} at it as a STRICT_DNS cluster.`,
    };
    return {
      code: 'EL0001',
      severity: resolved ? 'info' : rule.severity,
      key: `EL0001|${g.workload.namespace}/${g.workload.kind}/${g.workload.name}|${g.cluster ?? ''}|${svc}`,
      resource: { kind: 'Service', namespace: g.serviceNamespace, name: g.service },
      related: [workloadRef(g.workload), ...(ctx.relatedOf?.(g) ?? [])],
      title: resolved
        ? `${rule.name} resolved: ${workloadLabel(g.workload)} reached Service ${svc} through its ClusterIP ${g.ips.join(', ')} until ${new Date(g.lastSeenMs).toISOString().slice(11, 19)} UTC, and pods directly since`
        : `${rule.name}: ${workloadLabel(g.workload)} reaches Service ${svc} through its ClusterIP ${g.ips.join(', ')}`,
      message:
        `${g.records} of ${g.clusterRecords} requests (${share}) that ${workloadLabel(g.workload)} sent through Envoy cluster ${cluster} ` +
        `went to ${g.ips.join(', ')}, the ClusterIP of Service ${svc}. Envoy sees that one address as its only host, so its ` +
        'round robin, outlier detection, retries on another host and per-pod stats are blind; kube-proxy picks the pod ' +
        'for each new connection instead, and since Envoy keeps connections open, long-lived connections pin to one pod.',
      fix,
      firstSeenMs: g.firstSeenMs,
      lastSeenMs: g.lastSeenMs,
      evidence: { resolved, lastPodSecondMs: g.lastPodSecondMs, records: g.records, clusterRecords: g.clusterRecords, share: g.clusterRecords ? g.records / g.clusterRecords : 0, clusterIps: g.ips, sourcePods: g.sourcePods, cluster: g.cluster, workload: g.workload },
    } satisfies Finding;
  });
}
