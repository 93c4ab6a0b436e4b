// Round-robin balance: per Envoy cluster, how many requests each upstream pod got, against the share it should have
// got given the endpoints that were ready at each request's second. Pure: the caller hands over traffic cells,
// endpoint and IP history, and a lookup of each sidecar's lb policy.
//
// Expected counts are summed per record-second: a cell of n records at second s gives each of the |R(s)| ready
// endpoints of the cluster's Service n/|R(s)|. Endpoints joining or leaving mid-bucket are thus exact.
//
// Statistical caveat: with a changing ready set the per-pod counts are sums of categorical draws that are not
// identically distributed (different R(s) per second), so the counts are not one multinomial. Pearson's statistic
// over the summed observed and expected counts is still approximately chi-square with k-1 degrees of freedom (each
// record still lands on its own second's members with equal probability); it is slightly conservative when the set
// changes a lot. Small expected counts are pooled (see chi-square.ts), and findings also require a visible margin.
import type { LbPolicy } from '../envoy/config/types.ts';
import type { EndpointRow, IpRow, TrafficCell } from './analysis-input.ts';
import { imbalanceOf, type Imbalance } from './chi-square.ts';
import { EQUAL_SHARE_POLICIES } from './pod-configs.ts';
import { readyTimeline, chooseService, type ReadyTimeline, type ServiceChoice } from './ready-endpoints.ts';

export type { Imbalance, ServiceChoice };

/** The sidecar whose Envoy wrote the records; null pod for an imported file not tied to a pod. */
export interface SourcePod {
  namespace: string | null;
  pod: string | null;
}

export interface BalanceInput {
  traffic: TrafficCell[];
  endpoints: EndpointRow[];
  ips: IpRow[];
  /** The window, [fromMs, toMs): cells outside it are ignored. */
  fromMs: number;
  toMs: number;
  /** Width of the time buckets, e.g. 60_000. */
  bucketMs: number;
  /** The lb policy of a sidecar's cluster; undefined when its config was not seen. */
  policyOf: (sourceNamespace: string | null, sourcePod: string | null, cluster: string | null) => LbPolicy | undefined;
  /** Why a sidecar's cluster cannot spread over several hosts whatever its policy (a LOGICAL_DNS cluster uses one
   * address at a time); null or absent when it can. */
  singleHostOf?: (sourceNamespace: string | null, sourcePod: string | null, cluster: string | null) => string | null;
  /** The Service a sidecar's cluster names in its config, when known: sidecars whose same-named clusters target
   * different Services are reported apart, each against its own Service. */
  targetOf?: (sourceNamespace: string | null, sourcePod: string | null, cluster: string | null) => { namespace: string; name: string } | null;
}

/** 'equal-share': every ready endpoint should get an equal share. 'none': the policy promises no split. */
export type Expectation = 'equal-share' | 'none';

export interface PodShare {
  /** namespace/pod (namespace/(ip) for an endpoint whose pod is not known). */
  key: string;
  namespace: string | null;
  pod: string | null;
  /** Every record to the pod in the slice, ready or not. */
  requests: number;
  /** requests / all records to pods; null when there were none. */
  share: number | null;
  /** Records sent while the pod was not a ready endpoint (left out of the test). */
  outsideEndpoints: number;
  /** Records sent while it was ready: what the test compares. */
  tested: number;
  /** Tested records it should have got; null when the policy promises no split. */
  expected: number | null;
  /** expected / all tested records. */
  expectedShare: number | null;
  /** tested / expected; null when nothing was expected. */
  ratio: number | null;
  /** Ready from the slice's first record to its last. */
  readyThroughout: boolean;
}

export interface OutsideUpstream {
  key: string;
  namespace: string | null;
  pod: string | null;
  ip: string | null;
  count: number;
}

export interface BalanceSlice {
  startMs: number;
  endMs: number;
  /** Start of the first record's second and end (…999) of the last record's second, epoch ms; null for none. */
  firstSeenMs: number | null;
  lastSeenMs: number | null;
  records: number;
  /** Records whose upstream was near an IP hand-over (attributed, but less surely). */
  ambiguous: number;
  /** Records to pods that were ready endpoints at their time: the sample the test uses. */
  tested: number;
  pods: PodShare[];
  outsideEndpoints: { count: number; upstreams: OutsideUpstream[] };
  /** Records to a Service ClusterIP: Envoy saw one host, the split over pods cannot be seen. */
  serviceUpstreams: { count: number; services: { namespace: string | null; name: string | null; ip: string | null; count: number }[]; note: string | null };
  unknownUpstreams: number;
  externalUpstreams: number;
  /** Records without an upstream host (Envoy answered itself). */
  noUpstream: number;
  imbalance: Imbalance;
}

export interface SourceBalance {
  /** namespace/pod of the sidecar, '(file)' for records not tied to a pod, '(all sources)' for the overall view. */
  key: string;
  /** Null for the overall view. */
  source: SourcePod | null;
  /** The policy the test assumes; null when sources of the overall view disagree. */
  policy: LbPolicy | null;
  /** False when a sidecar's config was not seen and Envoy's default ROUND_ROBIN is assumed. */
  policyKnown: boolean;
  expectation: Expectation;
  /** Why there is no expectation, for the page. */
  expectationReason: string | null;
  window: BalanceSlice;
  /** Buckets with records, in time order. */
  buckets: BalanceSlice[];
}

export interface ClusterBalance {
  cluster: string | null;
  /** The cluster name, or '(no cluster)'. */
  label: string;
  /** The Service whose ready endpoints the expectation uses; null when none held the upstreams. */
  service: ServiceChoice | null;
  serviceReason: string | null;
  overall: SourceBalance;
  sources: SourceBalance[];
}

export interface BalanceReport {
  fromMs: number;
  toMs: number;
  bucketMs: number;
  clusters: ClusterBalance[];
}

export const NO_CLUSTER_LABEL = '(no cluster)';
export const ALL_SOURCES_KEY = '(all sources)';
export const FILE_SOURCE_KEY = '(file)';

const SERVICE_NOTE = 'Envoy sent these to a Service ClusterIP, so it saw one host: the split over pods cannot be seen.';

const NO_EXPECTATION: Partial<Record<LbPolicy, string>> = {
  RANDOM: 'RANDOM picks a host at random: shares drift, no strict expectation',
  RING_HASH: 'RING_HASH picks a host by hashing a request key: shares follow the keys, no equal split is expected',
  MAGLEV: 'MAGLEV picks a host by hashing a request key: shares follow the keys, no equal split is expected',
  CLUSTER_PROVIDED: 'CLUSTER_PROVIDED: the cluster type picks the host, no equal split is expected',
  LOAD_BALANCING_POLICY_CONFIG: 'The policy is set in load_balancing_policy, which envoy-lens does not read',
  ORIGINAL_DST_LB: 'ORIGINAL_DST_LB sends each connection to its original destination, no equal split is expected',
};

/** What a sidecar's lb policy promises. An unknown policy is Envoy's default, ROUND_ROBIN, flagged as assumed. */
export function expectationOf(policy: LbPolicy | undefined): { policy: LbPolicy; policyKnown: boolean; expectation: Expectation; expectationReason: string | null } {
  const effective = policy ?? 'ROUND_ROBIN';
  if (EQUAL_SHARE_POLICIES.includes(effective)) return { policy: effective, policyKnown: policy !== undefined, expectation: 'equal-share', expectationReason: null };
  return { policy: effective, policyKnown: policy !== undefined, expectation: 'none', expectationReason: NO_EXPECTATION[effective] ?? `${effective}: no equal split is expected` };
}

function sourceExpectation(input: BalanceInput, source: SourcePod, cluster: string | null): ReturnType<typeof expectationOf> {
  const own = expectationOf(input.policyOf(source.namespace, source.pod, cluster));
  const single = input.singleHostOf?.(source.namespace, source.pod, cluster) ?? null;
  return single ? { ...own, expectation: 'none', expectationReason: single } : own;
}

const sourceKeyOf = (c: TrafficCell) => (c.sourcePod ? `${c.sourceNamespace ?? ''}/${c.sourcePod}` : FILE_SOURCE_KEY);

/** Counts of one slice (a source or all sources; the window or a bucket) before expected shares are worked out. */
interface SliceCounts {
  records: number;
  ambiguous: number;
  firstSecond: number | null;
  lastSecond: number | null;
  pods: Map<string, { namespace: string | null; pod: string | null; ip: string | null; requests: number; outside: number }>;
  services: Map<string, { namespace: string | null; name: string | null; ip: string | null; count: number }>;
  unknown: number;
  external: number;
  none: number;
  /** Tested records per segment of the ready timeline. */
  perSegment: Map<number, number>;
}

const newCounts = (): SliceCounts => ({ records: 0, ambiguous: 0, firstSecond: null, lastSecond: null, pods: new Map(), services: new Map(), unknown: 0, external: 0, none: 0, perSegment: new Map() });

interface Placed {
  /** 'inside': a pod that was a ready endpoint at the cell's second (with the timeline segment), 'outside' a pod that was not. */
  where: 'inside' | 'outside' | 'service' | 'unknown' | 'external' | 'none';
  key?: string;
  namespace?: string | null;
  pod?: string | null;
  segment?: number;
}

function place(cell: TrafficCell, timeline: ReadyTimeline | null): Placed {
  if (cell.upstreamKind === 'service') return { where: 'service' };
  if (cell.upstreamKind === 'external') return { where: 'external' };
  if (cell.upstreamKind !== 'pod') return { where: cell.upstreamIp === null && cell.upstreamKind === null ? 'none' : 'unknown' };
  const own = cell.upstreamPod ? `${cell.upstreamNamespace ?? ''}/${cell.upstreamPod}` : null;
  const member = timeline?.memberAt(cell.second * 1000, own, cell.upstreamIp);
  if (member) return { where: 'inside', key: member.member.key, namespace: member.member.namespace, pod: member.member.pod, segment: member.segment };
  return { where: 'outside', key: own ?? `${cell.upstreamNamespace ?? ''}/(${cell.upstreamIp ?? '?'})`, namespace: cell.upstreamNamespace, pod: cell.upstreamPod };
}

function add(counts: SliceCounts, cell: TrafficCell, placed: Placed): void {
  counts.records += cell.count;
  counts.ambiguous += cell.ambiguous;
  if (counts.firstSecond === null || cell.second < counts.firstSecond) counts.firstSecond = cell.second;
  if (counts.lastSecond === null || cell.second > counts.lastSecond) counts.lastSecond = cell.second;
  switch (placed.where) {
    case 'inside':
    case 'outside': {
      const key = placed.key!;
      const pod = counts.pods.get(key) ?? { namespace: placed.namespace ?? null, pod: placed.pod ?? null, ip: cell.upstreamIp, requests: 0, outside: 0 };
      pod.requests += cell.count;
      if (placed.where === 'outside') pod.outside += cell.count;
      else counts.perSegment.set(placed.segment!, (counts.perSegment.get(placed.segment!) ?? 0) + cell.count);
      counts.pods.set(key, pod);
      return;
    }
    case 'service': {
      const key = `${cell.upstreamNamespace ?? ''}/${cell.upstreamService ?? ''}/${cell.upstreamIp ?? ''}`;
      const s = counts.services.get(key) ?? { namespace: cell.upstreamNamespace, name: cell.upstreamService, ip: cell.upstreamIp, count: 0 };
      s.count += cell.count;
      counts.services.set(key, s);
      return;
    }
    case 'unknown': counts.unknown += cell.count; return;
    case 'external': counts.external += cell.count; return;
    case 'none': counts.none += cell.count; return;
  }
}

function finishSlice(counts: SliceCounts, timeline: ReadyTimeline | null, expectation: Pick<SourceBalance, 'expectation' | 'expectationReason'>, startMs: number, endMs: number): BalanceSlice {
  const expected = new Map<string, number>();
  const members = new Map<string, { namespace: string; pod: string | null }>();
  if (timeline) {
    for (const [segment, n] of counts.perSegment) {
      const ready = timeline.membersOf(segment);
      for (const m of ready) {
        expected.set(m.key, (expected.get(m.key) ?? 0) + n / ready.length);
        members.set(m.key, m);
      }
    }
  }
  const podRecords = [...counts.pods.values()].reduce((sum, p) => sum + p.requests, 0);
  const tested = [...counts.perSegment.values()].reduce((sum, n) => sum + n, 0);
  const keys = [...new Set([...counts.pods.keys(), ...expected.keys()])].sort();
  const first = counts.firstSecond === null ? null : counts.firstSecond * 1000;
  const last = counts.lastSecond === null ? null : counts.lastSecond * 1000;
  const pods: PodShare[] = keys.map((key) => {
    const seen = counts.pods.get(key);
    const requests = seen?.requests ?? 0;
    const outside = seen?.outside ?? 0;
    const e = expectation.expectation === 'equal-share' ? (expected.get(key) ?? 0) : null;
    return {
      key,
      namespace: seen?.namespace ?? members.get(key)?.namespace ?? null,
      pod: seen?.pod ?? members.get(key)?.pod ?? null,
      requests,
      share: podRecords > 0 ? requests / podRecords : null,
      outsideEndpoints: outside,
      tested: requests - outside,
      expected: e,
      expectedShare: e !== null && tested > 0 ? e / tested : null,
      ratio: e !== null && e > 0 ? (requests - outside) / e : null,
      readyThroughout: timeline !== null && first !== null && last !== null && timeline.readyThroughout(key, first, last),
    };
  });
  const outsideList = [...counts.pods.entries()]
    .filter(([, p]) => p.outside > 0)
    .map(([key, p]) => ({ key, namespace: p.namespace, pod: p.pod, ip: p.ip, count: p.outside }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  const services = [...counts.services.values()].sort((a, b) => b.count - a.count);
  const serviceCount = services.reduce((sum, s) => sum + s.count, 0);
  return {
    startMs,
    endMs,
    firstSeenMs: first,
    lastSeenMs: last === null ? null : last + 999,
    records: counts.records,
    ambiguous: counts.ambiguous,
    tested,
    pods,
    outsideEndpoints: { count: outsideList.reduce((sum, o) => sum + o.count, 0), upstreams: outsideList },
    serviceUpstreams: { count: serviceCount, services, note: serviceCount > 0 ? SERVICE_NOTE : null },
    unknownUpstreams: counts.unknown,
    externalUpstreams: counts.external,
    noUpstream: counts.none,
    imbalance: imbalanceOf(pods, tested, expectation.expectation === 'equal-share' ? null : (expectation.expectationReason ?? 'No expectation')),
  };
}

/** One source (or all sources) of a cluster, fed cell by cell. */
class SourceAccumulator {
  readonly window = newCounts();
  readonly buckets = new Map<number, SliceCounts>();
  constructor(private readonly fromMs: number, private readonly bucketMs: number) {}
  add(cell: TrafficCell, placed: Placed): void {
    add(this.window, cell, placed);
    const index = Math.max(0, Math.floor((cell.second * 1000 - this.fromMs) / this.bucketMs));
    let bucket = this.buckets.get(index);
    if (!bucket) this.buckets.set(index, (bucket = newCounts()));
    add(bucket, cell, placed);
  }
  finish(base: Omit<SourceBalance, 'window' | 'buckets'>, timeline: ReadyTimeline | null, fromMs: number, toMs: number): SourceBalance {
    const buckets = [...this.buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([i, counts]) => {
        const start = fromMs + i * this.bucketMs;
        return finishSlice(counts, timeline, base, start, Math.min(start + this.bucketMs, toMs));
      });
    return { ...base, window: finishSlice(this.window, timeline, base, fromMs, toMs), buckets };
  }
}

/** The balance of every Envoy cluster that had traffic in the window. No traffic: no clusters. */
export function balanceReport(input: BalanceInput): BalanceReport {
  const { fromMs, toMs, bucketMs } = input;
  if (!(bucketMs > 0) || !Number.isFinite(bucketMs)) throw new RangeError(`balance: bucketMs must be a positive number, got ${bucketMs}`);
  // Cells by Envoy cluster name and the Service the sidecar's config names for it (unknown: one group per name).
  const byCluster = new Map<string, { cluster: string | null; target: { namespace: string; name: string } | null; cells: TrafficCell[] }>();
  const targets = new Map<string, { namespace: string; name: string } | null>();
  for (const cell of input.traffic) {
    // A cell's second overlaps the window when any part of it does (the window need not start on a second).
    const t = cell.second * 1000;
    if (t + 999 < fromMs || t >= toMs || cell.count <= 0) continue;
    const sourceKey = `${cell.sourceNamespace}/${cell.sourcePod}/${cell.cluster}`;
    if (!targets.has(sourceKey)) targets.set(sourceKey, input.targetOf?.(cell.sourceNamespace, cell.sourcePod, cell.cluster) ?? null);
    const target = targets.get(sourceKey)!;
    const key = `${cell.cluster ?? ''}\u0000${target ? `${target.namespace}/${target.name}` : ''}`;
    const group = byCluster.get(key);
    if (group) group.cells.push(cell);
    else byCluster.set(key, { cluster: cell.cluster, target, cells: [cell] });
  }
  const clusters: ClusterBalance[] = [];
  for (const { cluster, target, cells } of byCluster.values()) {
    const service = chooseService(cells, input.endpoints, input.ips, target);
    const timeline = service ? readyTimeline(input.endpoints.filter((e) => e.namespace === service.namespace && e.service === service.name), input.ips) : null;
    const overall = new SourceAccumulator(fromMs, bucketMs);
    const sources = new Map<string, { source: SourcePod; acc: SourceAccumulator }>();
    for (const cell of cells) {
      const placed = place(cell, timeline);
      overall.add(cell, placed);
      const key = sourceKeyOf(cell);
      let entry = sources.get(key);
      if (!entry) sources.set(key, (entry = { source: { namespace: cell.sourceNamespace, pod: cell.sourcePod }, acc: new SourceAccumulator(fromMs, bucketMs) }));
      entry.acc.add(cell, placed);
    }
    const sourceReports = [...sources.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, { source, acc }]) => acc.finish({ key, source, ...sourceExpectation(input, source, cluster) }, timeline, fromMs, toMs));
    clusters.push({
      cluster,
      label: (cluster ?? NO_CLUSTER_LABEL) + ([...byCluster.values()].filter((g) => g.cluster === cluster).length > 1 && target ? ` → ${target.namespace}/${target.name}` : ''),
      service,
      serviceReason: service ? null : "No Service's ready endpoints held these upstream IPs at the requests' times: no expected shares.",
      overall: overall.finish({ key: ALL_SOURCES_KEY, source: null, ...overallExpectation(sourceReports) }, timeline, fromMs, toMs),
      sources: sourceReports,
    });
  }
  clusters.sort((a, b) => (a.cluster === null ? 1 : b.cluster === null ? -1 : a.label.localeCompare(b.label)));
  return { fromMs, toMs, bucketMs, clusters };
}

/** All sources together expect an equal split only when each of them does. */
function overallExpectation(sources: SourceBalance[]): Pick<SourceBalance, 'policy' | 'policyKnown' | 'expectation' | 'expectationReason'> {
  const policies = [...new Set(sources.map((s) => s.policy))];
  const policyKnown = sources.every((s) => s.policyKnown);
  const policy = policies.length === 1 ? (policies[0] ?? null) : null;
  const notEqual = sources.find((s) => s.expectation !== 'equal-share');
  if (!notEqual) return { policy, policyKnown, expectation: 'equal-share', expectationReason: null };
  const reason = policies.length === 1 ? notEqual.expectationReason : `Sources use different policies (${policies.join(', ')}): no common expectation`;
  return { policy, policyKnown, expectation: 'none', expectationReason: reason };
}
