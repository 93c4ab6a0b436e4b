// Traffic findings about where requests went and how Envoy failed them. Like EL0001, findings are per source workload
// (a pod envoy-lens never saw as an object stands for itself), so their keys survive rollouts; the source pods are
// listed in the evidence and as related resources (their suppress annotation silences the finding).
// - EL0009: upstreams that were neither a pod nor a Service. One finding per (workload, Envoy cluster) listing the
//   addresses, so an egress cluster reaching hundreds of addresses is one finding whose key does not change as
//   addresses come and go. A cluster that never reached a pod or a Service (nor an address a pod once held) is an
//   egress cluster: its public ('external') addresses are expected and stay quiet; private addresses nobody was seen
//   holding ('unknown') are still reported. Addresses EL0011 explains (a pod held them before) are left to EL0011.
// - EL0011: requests to an IP more than the hand-over window after the pod that held it let it go (was deleted),
//   while no pod or Service held it. One finding per (workload, cluster, IP, the pod that had held it).
// - EL0010: bursts of 503 UH / UF / NR, per (workload, cluster, flag), in sliding windows of whole seconds.
// Cells carry their time to the second: firstSeenMs is the start of the first second, lastSeenMs the end of the last.
import type { FailureCell, IpRow, PodInfo, TrafficCell } from './analysis-input.ts';
import { SUPPRESS_ANNOTATION, type Finding, type ResourceRef } from './finding.ts';
import { RULES, type RuleCode } from './rules.ts';
import { workloadLabel, workloadLookup, workloadRef, type SourceWorkload } from './source-workloads.ts';

/** How long after a pod lets its IP go traffic to it is still an expected hand-over (as in lib/kube/ip-history.ts). */
export const HANDOVER_WINDOW_MS = 10_000;
/** EL0010: the sliding window, in whole seconds, and how many 503s of one flag inside it make a burst. */
export const BURST_WINDOW_SECONDS = 10;
export const BURST_MIN_FAILURES = 10;
/** How many addresses a finding's evidence lists. */
export const EVIDENCE_SAMPLES = 5;

export type WorkloadOf = (namespace: string | null, pod: string | null) => SourceWorkload;

export interface TrafficFindingsInput {
  traffic: TrafficCell[];
  failures: FailureCell[];
  ips: IpRow[];
  /** Pods the collector saw, to name each source pod's workload. */
  pods: PodInfo[];
}

/** EL0009, EL0010 and EL0011 over one window of traffic, sorted by key. */
export function trafficFindings(input: TrafficFindingsInput): Finding[] {
  const workloadOf = workloadLookup(input.pods);
  return [
    ...unknownUpstreamFindings(input.traffic, input.ips, workloadOf),
    ...failureBurstFindings(input.failures, workloadOf),
    ...deletedPodUpstreamFindings(input.traffic, input.ips, workloadOf),
  ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// ---- shared helpers ----

const workloadKey = (w: SourceWorkload) => `${w.namespace ?? ''}/${w.kind}/${w.name}`;
const clusterLabel = (cluster: string | null) => cluster ?? '(cluster not logged)';
const iso = (ms: number) => new Date(ms).toISOString();
const sortKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** IPv6 lower-cased and an IPv4-mapped IPv6 address as IPv4, as the IP history stores them. */
function normalizeIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const lower = ip.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

/** What a group of cells shares: its workload, the source pods seen, counts and the seconds spanned. */
interface Tally {
  workload: SourceWorkload;
  cluster: string | null;
  pods: Set<string>;
  count: number;
  first: number;
  last: number;
}

const newTally = (workload: SourceWorkload, cluster: string | null): Tally =>
  ({ workload, cluster, pods: new Set(), count: 0, first: Infinity, last: -Infinity });

function add(t: Tally, cell: { sourceNamespace: string | null; sourcePod: string | null; second: number; count: number }) {
  if (cell.sourcePod) t.pods.add(cell.sourceNamespace ? `${cell.sourceNamespace}/${cell.sourcePod}` : cell.sourcePod);
  t.count += cell.count;
  t.first = Math.min(t.first, cell.second);
  t.last = Math.max(t.last, cell.second);
}

/** The finding's fields every rule here fills the same way. */
function common(code: RuleCode, key: string, t: Tally, detail: string, extraRelated: ResourceRef[] = []) {
  const rule = RULES[code];
  const resource: ResourceRef = t.workload.kind === 'File' ? { kind: 'File', name: t.workload.name } : workloadRef(t.workload);
  const related: ResourceRef[] = [...t.pods].sort(sortKeys).map((p) => {
    const slash = p.indexOf('/');
    return slash < 0 ? { kind: 'Pod', name: p } : { kind: 'Pod', namespace: p.slice(0, slash), name: p.slice(slash + 1) };
  });
  return {
    code, severity: rule.severity, key, resource, related: [...related, ...extraRelated],
    title: `${rule.name}: ${workloadLabel(t.workload)}, cluster ${clusterLabel(t.cluster)}${detail}`,
    firstSeenMs: t.first * 1000, lastSeenMs: t.last * 1000 + 999,
  };
}

function countInto(map: Map<string, number>, key: string, n: number) {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** The busiest entries of a count map, busiest first (ties by name). */
const topCounts = (map: Map<string, number>): [string, number][] =>
  [...map].sort((a, b) => b[1] - a[1] || sortKeys(a[0], b[0])).slice(0, EVIDENCE_SAMPLES);

// ---- EL0011: upstream served after its pod was deleted ----

export type IpIndex = Map<string, { pods: IpRow[]; services: IpRow[] }>;

export function indexIps(ips: IpRow[]): IpIndex {
  const index: IpIndex = new Map();
  for (const row of ips) {
    const ip = normalizeIp(row.ip);
    let ranges = index.get(ip);
    if (!ranges) index.set(ip, (ranges = { pods: [], services: [] }));
    (row.kind === 'service' ? ranges.services : ranges.pods).push(row);
  }
  return index;
}

/**
 * The pod range a cell's requests outlived: the last pod range of the cell's IP that ended more than the hand-over
 * window before the cell's second, when no Service held the IP during that second and no pod held it within the
 * window of it. Only cells whose attribution leaves room for doubt are checked: 'unknown' and 'external', and 'pod'
 * marked ambiguous (the history may have learnt of the deletion after the record was attributed).
 */
export function outlivedPodRange(cell: TrafficCell, index: IpIndex): IpRow | null {
  if (!cell.upstreamIp) return null;
  const doubtful = cell.upstreamKind === 'unknown' || cell.upstreamKind === 'external' || (cell.upstreamKind === 'pod' && cell.ambiguous > 0);
  const ranges = doubtful ? index.get(normalizeIp(cell.upstreamIp)) : undefined;
  if (!ranges) return null;
  const fromMs = cell.second * 1000;
  const toMs = fromMs + 1000;
  if (ranges.services.some((r) => r.fromMs < toMs && (r.toMs ?? Infinity) > fromMs)) return null;
  let outlived: IpRow | null = null;
  for (const range of ranges.pods) {
    if (range.fromMs - HANDOVER_WINDOW_MS < toMs && (range.toMs ?? Infinity) + HANDOVER_WINDOW_MS >= fromMs) return null;
    if (range.toMs !== null && range.toMs <= fromMs && (!outlived || range.toMs > outlived.toMs!)) outlived = range;
  }
  return outlived;
}

export function deletedPodUpstreamFindings(traffic: TrafficCell[], ips: IpRow[], workloadOf: WorkloadOf = workloadLookup([])): Finding[] {
  const index = indexIps(ips);
  const groups = new Map<string, { tally: Tally; ip: string; range: IpRow }>();
  for (const cell of traffic) {
    const range = outlivedPodRange(cell, index);
    if (!range) continue;
    const workload = workloadOf(cell.sourceNamespace, cell.sourcePod);
    const ip = normalizeIp(cell.upstreamIp!);
    const key = ['EL0011', workloadKey(workload), cell.cluster ?? '', ip, `${range.namespace}/${range.name}`].join('|');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { tally: newTally(workload, cell.cluster), ip, range }));
    add(group.tally, cell);
  }
  return [...groups].map(([key, { tally: t, ip, range }]) => {
    const deletedPod = `${range.namespace}/${range.name}`;
    const deletedAt = range.toMs!;
    const firstAfterMs = t.first * 1000 - deletedAt;
    const lastAfterMs = t.last * 1000 - deletedAt;
    return {
      ...common('EL0011', key, t, ` → ${ip} of deleted pod ${deletedPod}`, [{ kind: 'Pod', namespace: range.namespace, name: range.name }]),
      message:
        `${workloadLabel(t.workload)} sent ${t.count} request(s) through cluster ${clusterLabel(t.cluster)} to ${ip} after ` +
        `pod ${deletedPod}, which held that IP, let it go at ${iso(deletedAt)}, while no other pod or Service held it. ` +
        `The first went ${Math.round(firstAfterMs / 1000)} s and the last ${Math.round(lastAfterMs / 1000)} s after the pod ` +
        `was gone (hand-over window ${HANDOVER_WINDOW_MS / 1000} s): Envoy kept a stale address.`,
      fix: {
        summary:
          'Let Envoy learn sooner that pods went away: use EDS, or a STRICT_DNS cluster on a headless Service with a ' +
          'lower dns_refresh_rate, and add outlier detection so a dead address is ejected after a few failures.',
      },
      evidence: {
        requests: t.count, cluster: t.cluster, upstreamIp: ip, sourcePods: [...t.pods].sort(sortKeys),
        deletedPod, deletedPodUid: range.uid, deletedAtMs: deletedAt,
        firstRequestAfterDeletionMs: firstAfterMs, lastRequestAfterDeletionMs: lastAfterMs, handoverWindowMs: HANDOVER_WINDOW_MS,
      },
    } satisfies Finding;
  });
}

// ---- EL0009: upstream is neither a pod nor a Service ----

export function unknownUpstreamFindings(traffic: TrafficCell[], ips: IpRow[], workloadOf: WorkloadOf = workloadLookup([])): Finding[] {
  const index = indexIps(ips);
  interface Group { workload: SourceWorkload; cluster: string | null; inCluster: boolean; cells: TrafficCell[] }
  const groups = new Map<string, Group>();
  for (const cell of traffic) {
    const workload = workloadOf(cell.sourceNamespace, cell.sourcePod);
    const key = ['EL0009', workloadKey(workload), cell.cluster ?? ''].join('|');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { workload, cluster: cell.cluster, inCluster: false, cells: [] }));
    if (cell.upstreamKind === 'pod' || cell.upstreamKind === 'service') group.inCluster = true;
    else if ((cell.upstreamKind === 'unknown' || cell.upstreamKind === 'external') && cell.upstreamIp) {
      // An address a pod held before is EL0011's case, and shows the cluster reaches pods.
      if (outlivedPodRange(cell, index)) group.inCluster = true;
      else group.cells.push(cell);
    }
  }
  const findings: Finding[] = [];
  for (const [key, g] of groups) {
    const egress = !g.inCluster;
    // An egress cluster's public addresses are expected; private ones nobody held are not.
    const cells = g.cells.filter((c) => !(egress && c.upstreamKind === 'external'));
    if (cells.length === 0) continue;
    const t = newTally(g.workload, g.cluster);
    const byIp = new Map<string, number>();
    const kindOf = new Map<string, string>();
    const byKind = { unknown: 0, external: 0 };
    for (const cell of cells) {
      add(t, cell);
      const ip = normalizeIp(cell.upstreamIp!);
      countInto(byIp, ip, cell.count);
      kindOf.set(ip, cell.upstreamKind!);
      byKind[cell.upstreamKind as 'unknown' | 'external'] += cell.count;
    }
    const top = topCounts(byIp).map(([ip, requests]) => ({ ip, kind: kindOf.get(ip), requests }));
    const listed = top.map((s) => `${s.ip} ×${s.requests}`).join(', ') + (byIp.size > top.length ? ', …' : '');
    findings.push({
      ...common('EL0009', key, t, ` → ${byIp.size} address(es) neither pod nor Service`),
      message:
        `${workloadLabel(t.workload)} sent ${t.count} request(s) through cluster ${clusterLabel(t.cluster)} to ${byIp.size} ` +
        `address(es) that no pod or Service held at the time (${listed}). ` +
        (egress
          ? 'The cluster reached no pod or Service, so it looks like an egress cluster, but these addresses are private: a node, a pod from before envoy-lens watched, or a service in the private network.'
          : 'The same cluster also reached pods or Services, so these are unexpected: a node address, a pod from before envoy-lens started watching, or an address outside the cluster.'),
      fix: {
        summary:
          'If the cluster should reach in-cluster pods, point it at a headless Service (STRICT_DNS) or use EDS. If these ' +
          `addresses are meant (an external or node-local service), silence this finding with the ${SUPPRESS_ANNOTATION} annotation.`,
      },
      evidence: { requests: t.count, cluster: t.cluster, addresses: byIp.size, requestsByKind: byKind, egressCluster: egress, topAddresses: top, sourcePods: [...t.pods].sort(sortKeys) },
    });
  }
  return findings;
}

// ---- EL0010: burst of 503 UH / UF / NR ----

export interface BurstSummary {
  /** 503s inside any window of BURST_WINDOW_SECONDS seconds that holds at least BURST_MIN_FAILURES of them. */
  burstFailures: number;
  /** Separate bursts: runs of such seconds, a new one after a gap of a whole window. */
  bursts: number;
  /** The busiest window: its first second (epoch s) and its 503s. */
  peak: { second: number; failures: number };
  firstSecond: number;
  lastSecond: number;
}

/** Slides a window of BURST_WINDOW_SECONDS over per-second counts; null when no window reaches BURST_MIN_FAILURES. */
export function findBursts(perSecond: Map<number, number>): BurstSummary | null {
  const seconds = [...perSecond.keys()].sort((a, b) => a - b);
  const countAt = (i: number) => perSecond.get(seconds[i]!)!;
  const inBurst = new Set<number>();
  let peak = { second: seconds[0] ?? 0, failures: 0 };
  let end = 0;
  let sum = 0;
  // A window worth counting can always start at a second with failures: sliding it right to one loses nothing.
  for (let start = 0; start < seconds.length; start++) {
    while (end < seconds.length && seconds[end]! < seconds[start]! + BURST_WINDOW_SECONDS) sum += countAt(end++);
    if (sum > peak.failures) peak = { second: seconds[start]!, failures: sum };
    if (sum >= BURST_MIN_FAILURES) for (let i = start; i < end; i++) inBurst.add(i);
    sum -= countAt(start);
  }
  if (inBurst.size === 0) return null;
  const marked = [...inBurst].sort((a, b) => a - b);
  let bursts = 0;
  let burstFailures = 0;
  marked.forEach((i, n) => {
    burstFailures += countAt(i);
    if (n === 0 || seconds[i]! - seconds[marked[n - 1]!]! >= BURST_WINDOW_SECONDS) bursts++;
  });
  return { burstFailures, bursts, peak, firstSecond: seconds[marked[0]!]!, lastSecond: seconds[marked[marked.length - 1]!]! };
}

const FLAG_MEANING = { UH: 'no healthy upstream host', UF: 'upstream connection failure', NR: 'no route' } as const;

export function failureBurstFindings(failures: FailureCell[], workloadOf: WorkloadOf = workloadLookup([])): Finding[] {
  const groups = new Map<string, { flag: FailureCell['flag']; tally: Tally; perSecond: Map<number, number>; byIp: Map<string, number> }>();
  for (const cell of failures) {
    const workload = workloadOf(cell.sourceNamespace, cell.sourcePod);
    const key = ['EL0010', workloadKey(workload), cell.cluster ?? '', cell.flag].join('|');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { flag: cell.flag, tally: newTally(workload, cell.cluster), perSecond: new Map(), byIp: new Map() }));
    add(g.tally, cell);
    g.perSecond.set(cell.second, (g.perSecond.get(cell.second) ?? 0) + cell.count);
    countInto(g.byIp, cell.upstreamIp === null ? '' : normalizeIp(cell.upstreamIp), cell.count);
  }
  const findings: Finding[] = [];
  for (const [key, { flag, tally, perSecond, byIp }] of groups) {
    const burst = findBursts(perSecond);
    if (!burst) continue;
    const base = common('EL0010', key, tally, ` → 503 ${flag}`);
    findings.push({
      ...base,
      firstSeenMs: burst.firstSecond * 1000,
      lastSeenMs: burst.lastSecond * 1000 + 999,
      message:
        `Envoy in ${workloadLabel(tally.workload)} answered 503 ${flag} (${FLAG_MEANING[flag]}) ${burst.burstFailures} time(s) ` +
        `for cluster ${clusterLabel(tally.cluster)} in ${burst.bursts} burst(s) of at least ${BURST_MIN_FAILURES} within ` +
        `${BURST_WINDOW_SECONDS} s; the worst ${BURST_WINDOW_SECONDS} s, from ${iso(burst.peak.second * 1000)}, had ${burst.peak.failures}.`,
      fix: {
        summary: flag === 'NR'
          ? 'Add a route for these requests, or correct the virtual host and route match so they reach a cluster.'
          : 'Check that the cluster address names ready pods (a headless Service or EDS), that Envoy refreshes it faster ' +
            'than pods churn, and that outlier detection and retries on another host are configured.',
      },
      evidence: {
        flag, cluster: tally.cluster, burstFailures: burst.burstFailures, totalFailures: tally.count, bursts: burst.bursts,
        peakWindow: { fromMs: burst.peak.second * 1000, toMs: (burst.peak.second + BURST_WINDOW_SECONDS) * 1000, failures: burst.peak.failures },
        windowSeconds: BURST_WINDOW_SECONDS, threshold: BURST_MIN_FAILURES,
        upstreamIps: topCounts(byIp).map(([ip, failures]) => ({ ip: ip || null, failures })),
        sourcePods: [...tally.pods].sort(sortKeys),
      },
    });
  }
  return findings;
}
