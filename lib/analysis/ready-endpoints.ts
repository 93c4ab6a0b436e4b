// Which pods were ready endpoints of a Service when, and which Service backs an Envoy cluster. The endpoint history
// is cut into segments over which the ready set does not change, so "who was ready at second s" is a binary search.
import type { EndpointRow, IpRow, TrafficCell } from './analysis-input.ts';

/** A ready endpoint: a pod (namespace/pod), or namespace/(ip) when the endpoint named no pod and no pod held the IP. */
export interface ReadyMember {
  key: string;
  namespace: string;
  pod: string | null;
}

export interface ReadyTimeline {
  /** The member a record to (pod key, IP) at time t counts for, with the segment holding t; null when not ready. */
  memberAt(t: number, podKey: string | null, ip: string | null): { member: ReadyMember; segment: number } | null;
  /** The members ready during a segment. */
  membersOf(segment: number): readonly ReadyMember[];
  /** Whether the member was ready at every instant from fromMs to lastMs (inclusive). */
  readyThroughout(key: string, fromMs: number, lastMs: number): boolean;
}

/** IPs compared as strings: trimmed, lower-cased, IPv4-mapped IPv6 read as IPv4. */
export function normalizeIp(ip: string): string {
  const s = ip.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  return mapped ? mapped[1]! : s;
}

const holds = (from: number, to: number | null, t: number) => from <= t && (to === null || t < to);

/** The pod that held an IP at time t, from the IP history. */
function podAt(ips: Map<string, IpRow[]>, ip: string, namespace: string, t: number): string | null {
  return ips.get(ip)?.find((r) => r.namespace === namespace && holds(r.fromMs, r.toMs, t))?.name ?? null;
}

function podIpIndex(ips: IpRow[]): Map<string, IpRow[]> {
  const byIp = new Map<string, IpRow[]>();
  for (const r of ips) {
    if (r.kind !== 'pod') continue;
    const ip = normalizeIp(r.ip);
    const list = byIp.get(ip);
    if (list) list.push(r);
    else byIp.set(ip, [r]);
  }
  return byIp;
}

/** The ready timeline of one Service's endpoint rows. */
export function readyTimeline(rows: EndpointRow[], ips: IpRow[]): ReadyTimeline {
  const podIps = podIpIndex(ips);
  interface Row { member: ReadyMember; ip: string; fromMs: number; toMs: number | null }
  const resolved: Row[] = rows
    .filter((r) => r.toMs === null || r.toMs > r.fromMs)
    .map((r) => {
      const ip = normalizeIp(r.ip);
      const pod = r.pod ?? podAt(podIps, ip, r.namespace, r.fromMs);
      return { member: { key: pod ? `${r.namespace}/${pod}` : `${r.namespace}/(${ip})`, namespace: r.namespace, pod }, ip, fromMs: r.fromMs, toMs: r.toMs };
    });

  // Sweep the start and end times: after each distinct time, the rows open form the next segment.
  const events = resolved.flatMap((row, i) => (row.toMs === null ? [{ t: row.fromMs, i, open: true }] : [{ t: row.fromMs, i, open: true }, { t: row.toMs, i, open: false }]));
  events.sort((a, b) => a.t - b.t);
  const starts: number[] = [];
  const segments: { members: ReadyMember[]; byKey: Map<string, ReadyMember>; byIp: Map<string, ReadyMember> }[] = [];
  const open = new Set<number>();
  for (let e = 0; e < events.length; ) {
    const t = events[e]!.t;
    for (; e < events.length && events[e]!.t === t; e++) {
      if (events[e]!.open) open.add(events[e]!.i);
      else open.delete(events[e]!.i);
    }
    const byKey = new Map<string, ReadyMember>();
    const byIp = new Map<string, ReadyMember>();
    for (const i of open) {
      const row = resolved[i]!;
      byKey.set(row.member.key, byKey.get(row.member.key) ?? row.member);
      byIp.set(row.ip, byKey.get(row.member.key)!);
    }
    starts.push(t);
    segments.push({ members: [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key)), byKey, byIp });
  }

  // Each member's ready time as merged intervals, for "ready throughout".
  const spans = new Map<string, { fromMs: number; toMs: number | null }[]>();
  for (const row of [...resolved].sort((a, b) => a.fromMs - b.fromMs)) {
    const list = spans.get(row.member.key) ?? [];
    const last = list.at(-1);
    if (last && last.toMs !== null && row.fromMs <= last.toMs) last.toMs = row.toMs === null ? null : Math.max(last.toMs, row.toMs);
    else if (!last || last.toMs !== null) list.push({ fromMs: row.fromMs, toMs: row.toMs });
    spans.set(row.member.key, list);
  }

  const segmentAt = (t: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };

  return {
    memberAt(t, podKey, ip) {
      const segment = segmentAt(t);
      const seg = segments[segment];
      if (!seg) return null;
      const own = podKey === null ? undefined : seg.byKey.get(podKey);
      if (own) return { member: own, segment };
      // An endpoint known only by its IP counts the record when the record's own pod is not a member.
      const byIp = ip === null ? undefined : seg.byIp.get(normalizeIp(ip));
      if (byIp && (byIp.pod === null || podKey === null)) return { member: byIp, segment };
      return null;
    },
    membersOf: (segment) => segments[segment]?.members ?? [],
    readyThroughout: (key, fromMs, lastMs) => (spans.get(key) ?? []).some((s) => s.fromMs <= fromMs && (s.toMs === null || s.toMs > lastMs)),
  };
}

/** The Service chosen to back an Envoy cluster. */
export interface ServiceChoice {
  namespace: string;
  name: string;
  /** No ClusterIP was ever seen for it. */
  headless: boolean;
  /** Records to pods whose IP was a ready endpoint of this Service at the record's second. */
  coveredRecords: number;
  /** All records of the cluster to pods. */
  podRecords: number;
  /** Other Services (namespace/name) that covered as many records. */
  tiedWith: string[];
}

/**
 * The Service behind a cluster: the one its config names (`preferred`), when known. Otherwise the Service whose ready
 * endpoint IPs, at each record's second, held the most of the cluster's records to pods; ties (two Services selecting
 * overlapping pods) go to the one with fewer endpoints (the more specific selector), then to a headless Service, then
 * by namespace/name. Null when none held any.
 */
export function chooseService(cells: TrafficCell[], endpoints: EndpointRow[], ips: IpRow[], preferred?: { namespace: string; name: string } | null): ServiceChoice | null {
  const byIp = new Map<string, EndpointRow[]>();
  for (const e of endpoints) {
    const ip = normalizeIp(e.ip);
    const list = byIp.get(ip);
    if (list) list.push(e);
    else byIp.set(ip, [e]);
  }
  const covered = new Map<string, { namespace: string; name: string; count: number }>();
  let podRecords = 0;
  for (const cell of cells) {
    if (cell.upstreamKind !== 'pod') continue;
    podRecords += cell.count;
    if (cell.upstreamIp === null) continue;
    const t = cell.second * 1000;
    const services = new Set<string>();
    for (const e of byIp.get(normalizeIp(cell.upstreamIp)) ?? []) if (holds(e.fromMs, e.toMs, t)) services.add(`${e.namespace}/${e.service}`);
    for (const key of services) {
      const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      const entry = covered.get(key) ?? { namespace, name, count: 0 };
      entry.count += cell.count;
      covered.set(key, entry);
    }
  }
  const withClusterIp = new Set(ips.filter((r) => r.kind === 'service').map((r) => `${r.namespace}/${r.name}`));
  const size = new Map<string, Set<string>>();
  for (const e of endpoints) {
    const key = `${e.namespace}/${e.service}`;
    if (!size.has(key)) size.set(key, new Set());
    size.get(key)!.add(e.pod ?? e.ip);
  }
  const sizeOf = (key: string) => size.get(key)?.size ?? 0;
  if (preferred) {
    const key = `${preferred.namespace}/${preferred.name}`;
    return { namespace: preferred.namespace, name: preferred.name, headless: !withClusterIp.has(key), coveredRecords: covered.get(key)?.count ?? 0, podRecords, tiedWith: [] };
  }
  const ranked = [...covered.entries()]
    .map(([key, c]) => ({ key, ...c, headless: !withClusterIp.has(key) }))
    .sort((a, b) => b.count - a.count || sizeOf(a.key) - sizeOf(b.key) || Number(b.headless) - Number(a.headless) || a.key.localeCompare(b.key));
  const best = ranked[0];
  if (!best) return null;
  return {
    namespace: best.namespace,
    name: best.name,
    headless: best.headless,
    coveredRecords: best.count,
    podRecords,
    tiedWith: ranked.slice(1).filter((r) => r.count === best.count).map((r) => r.key),
  };
}
