// Who held an IP address when. Envoy access-log lines name upstreams and callers by `ip:port`, and pod IPs are
// reused as pods come and go, so an IP names a pod only within a time range [fromMs, toMs) (toMs null: still held).
// This keeps those ranges in memory — which pod held each pod IP, which Service had each ClusterIP — fed by the
// collector's watches and reloaded from the store after a restart, and answers "who was IP x at time t".
//
// How `attribute(ip, t)` decides:
// - No IP: no answer (null).
// - Loopback (127.0.0.0/8, ::1) is the pod that wrote the line, when the caller says which one (a sidecar calling its
//   own app); without that it is 'unknown'. Never ambiguous.
// - No time means "now": a range still open counts as holding the IP, whatever its start.
// - A Service whose range holds t wins outright. Service and pod IPs come from different ranges in real clusters,
//   but one address can be a ClusterIP at one time and a pod IP at another; the time decides.
// - Pods, with W the hand-over window (default 10 s: Envoy's DNS refresh plus caches): a range is a candidate when t
//   lies within W of it (fromMs - W <= t < toMs + W). The range holding t names the pod; it is ambiguous when a
//   candidate of another pod (another uid) exists, i.e. t is within W of a hand-over. When no range holds t, the
//   nearest candidate (the earlier on a tie) names the pod, ambiguously — e.g. Envoy still sending to a deleted
//   pod's address until its next DNS refresh — unless t falls in a gap between two ranges of the one pod that
//   held the IP twice, which is that pod. Overlapping ranges of different pods (host-network pods share their
//   node's IP) are ambiguous; the later-starting one is named.
// - Nobody: 'unknown' for private and cluster addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7,
//   fe80::/10), 'external' for the rest.
// IPs are compared as normalised strings: IPv6 lower-cased (`::` is not expanded), `::ffff:a.b.c.d` read as a.b.c.d.
// `attribute` runs per log line, so it looks ranges up by IP and allocates nothing but its result.

import type { IpRow } from '../store/collector-store.ts';
import type { EndpointKind } from '../store/ingest-store.ts';

/** How far before a Service's creationTimestamp a record may start and still be the Service's (see serviceAt). */
export const SERVICE_CLOCK_SLACK_MS = 2_000;

export interface Attributed {
  kind: EndpointKind;
  namespace: string | null;
  pod: string | null;
  service: string | null;
  ambiguous: boolean;
}

export interface IpHistoryOptions {
  /** How close to a change of holder a time must be to be ambiguous (default 10_000 ms: DNS refresh plus cache). */
  handoverWindowMs?: number;
}

export const DEFAULT_HANDOVER_WINDOW_MS = 10_000;

type RangeKind = IpRow['kind'];

export class IpHistory {
  private readonly handoverWindowMs: number;
  /** Every range, by IP, each list sorted by fromMs. */
  private readonly rangesByIp: Record<RangeKind, Map<string, IpRow[]>> = { pod: new Map(), service: new Map() };
  /** Ranges still open, by the pod's or Service's uid. */
  private readonly openByUid: Record<RangeKind, Map<string, IpRow[]>> = { pod: new Map(), service: new Map() };

  constructor(options: IpHistoryOptions = {}) {
    this.handoverWindowMs = options.handoverWindowMs ?? DEFAULT_HANDOVER_WINDOW_MS;
  }

  /** Loads persisted ranges (a collector restart). */
  load(rows: IpRow[]): void {
    for (const row of rows) {
      const ip = normalizeIp(row.ip);
      if (!ip || (row.toMs === null && this.openRange(row.kind, row.uid, ip))) continue;
      this.add({ ...row, ip });
    }
  }

  /**
   * A pod is seen holding `ip`. Idempotent: while an open range for the same uid and ip exists, nothing changes and
   * undefined is returned; otherwise opens a range from fromMs and returns the row to persist. An open range of the
   * same pod on another IP of the same family is closed at fromMs (its IP changed; a dual-stack pod holds one IPv4
   * and one IPv6 address at once). Only the new row is returned; podIpGone returns closing rows.
   */
  podIpSeen(pod: { ip: string; namespace: string; name: string; uid: string; node?: string | null }, fromMs: number): IpRow | undefined {
    const ip = normalizeIp(pod.ip);
    if (!ip || this.openRange('pod', pod.uid, ip)) return undefined;
    for (const previous of [...(this.openByUid.pod.get(pod.uid) ?? [])]) {
      if (isIpv6(previous.ip) === isIpv6(ip)) this.close(previous, fromMs);
    }
    const row: IpRow = { kind: 'pod', ip, namespace: pod.namespace, name: pod.name, uid: pod.uid, node: pod.node ?? null, fromMs, toMs: null };
    this.add(row);
    return { ...row };
  }

  /** The pod no longer holds `ip` (deleted, or its IP changed): closes the open range at toMs; returns the closed row, or undefined when there was no open range. */
  podIpGone(uid: string, ip: string, toMs: number): IpRow | undefined {
    return this.gone('pod', uid, ip, toMs);
  }

  /** A Service is seen with ClusterIP `ip`; idempotent like podIpSeen. */
  serviceIpSeen(svc: { ip: string; namespace: string; name: string; uid: string }, fromMs: number): IpRow | undefined {
    const ip = normalizeIp(svc.ip);
    if (!ip || ip === 'None' || this.openRange('service', svc.uid, ip)) return undefined;
    const row: IpRow = { kind: 'service', ip, namespace: svc.namespace, name: svc.name, uid: svc.uid, fromMs, toMs: null };
    this.add(row);
    return { ...row };
  }

  /** The Service no longer has ClusterIP `ip`: closes the open range at toMs; returns the closed row, if any. */
  serviceIpGone(uid: string, ip: string, toMs: number): IpRow | undefined {
    return this.gone('service', uid, ip, toMs);
  }

  /** After a relist: open ranges of `kind` whose uid is not in `present` are closed at toMs. Returns the closed rows. */
  closeMissing(kind: RangeKind, present: Set<string>, toMs: number): IpRow[] {
    const closed: IpRow[] = [];
    for (const [uid, rows] of [...this.openByUid[kind]]) {
      if (present.has(uid)) continue;
      for (const row of [...rows]) closed.push({ ...this.close(row, toMs) });
    }
    return closed;
  }

  /** Open ranges of `kind` (for reconciling). */
  open(kind: RangeKind): IpRow[] {
    return [...this.openByUid[kind].values()].flat().map((row) => ({ ...row }));
  }

  /** Who `ip` was at `atMs` (epoch ms). `self` is the pod that wrote the log line: loopback addresses mean it. */
  attribute(ip: string | null | undefined, atMs: number | null | undefined, self?: { namespace: string; pod: string }): Attributed | null {
    if (!ip) return null;
    const address = normalizeIp(ip);
    if (isLoopback(address)) {
      return self ? { kind: 'pod', namespace: self.namespace, pod: self.pod, service: null, ambiguous: false } : nobody('unknown');
    }
    const now = atMs === null || atMs === undefined;
    const t = now ? Date.now() : atMs;
    const service = this.serviceAt(address, t, now, 0);
    if (service) return { kind: 'service', namespace: service.namespace, pod: null, service: service.name, ambiguous: false };
    const pod = this.podAt(address, t, now);
    if (pod) return pod;
    const justBefore = this.serviceAt(address, t, now, SERVICE_CLOCK_SLACK_MS);
    if (justBefore) return { kind: 'service', namespace: justBefore.namespace, pod: null, service: justBefore.name, ambiguous: false };
    return nobody(isPrivate(address) ? 'unknown' : 'external');
  }

  private serviceAt(ip: string, t: number, now: boolean, slackMs: number): IpRow | undefined {
    const ranges = this.rangesByIp.service.get(ip);
    if (!ranges) return undefined;
    for (let i = ranges.length - 1; i >= 0; i--) {
      const range = ranges[i]!;
      // `slackMs`: a ClusterIP range starts at the Service's creationTimestamp, whole seconds of the API server's
      // clock, while a record's START_TIME is the node's clock at the request's start (the line is written at its
      // end). attribute() allows SERVICE_CLOCK_SLACK_MS before it when no pod held the address then.
      if ((now || range.fromMs - slackMs <= t) && (range.toMs === null || t < range.toMs)) return range;
    }
    return undefined;
  }

  private podAt(ip: string, t: number, now: boolean): Attributed | null {
    const ranges = this.rangesByIp.pod.get(ip);
    if (!ranges) return null;
    const window = this.handoverWindowMs;
    let holder: IpRow | undefined;
    let nearest: IpRow | undefined;
    let nearestDistance = Infinity;
    let firstUid: string | undefined;
    let severalPods = false;
    let endedBefore = false;
    let startsAfter = false;
    for (const range of ranges) {
      if (!now && range.fromMs - window > t) break; // sorted by fromMs: no later range is a candidate
      const end = range.toMs ?? Infinity;
      if (t >= end + window) continue;
      if (firstUid === undefined) firstUid = range.uid;
      else if (range.uid !== firstUid) severalPods = true;
      if ((now || range.fromMs <= t) && t < end) {
        holder = range;
        continue;
      }
      const before = t < range.fromMs;
      if (before) startsAfter = true;
      else endedBefore = true;
      const distance = before ? range.fromMs - t : t - end;
      if (distance < nearestDistance) {
        nearest = range;
        nearestDistance = distance;
      }
    }
    const named = holder ?? nearest;
    if (!named) return null;
    const ambiguous = severalPods || (!holder && !(endedBefore && startsAfter));
    return { kind: 'pod', namespace: named.namespace, pod: named.name, service: null, ambiguous };
  }

  private openRange(kind: RangeKind, uid: string, ip: string): IpRow | undefined {
    return this.openByUid[kind].get(uid)?.find((row) => row.ip === ip);
  }

  private add(row: IpRow): void {
    let ranges = this.rangesByIp[row.kind].get(row.ip);
    if (!ranges) this.rangesByIp[row.kind].set(row.ip, (ranges = []));
    let at = ranges.length;
    while (at > 0 && ranges[at - 1]!.fromMs > row.fromMs) at--;
    ranges.splice(at, 0, row);
    if (row.toMs !== null) return;
    const open = this.openByUid[row.kind].get(row.uid);
    if (open) open.push(row);
    else this.openByUid[row.kind].set(row.uid, [row]);
  }

  private close(row: IpRow, toMs: number): IpRow {
    row.toMs = Math.max(toMs, row.fromMs);
    const open = this.openByUid[row.kind].get(row.uid) ?? [];
    const rest = open.filter((other) => other !== row);
    if (rest.length) this.openByUid[row.kind].set(row.uid, rest);
    else this.openByUid[row.kind].delete(row.uid);
    return row;
  }

  private gone(kind: RangeKind, uid: string, ip: string, toMs: number): IpRow | undefined {
    const row = this.openRange(kind, uid, normalizeIp(ip));
    return row ? { ...this.close(row, toMs) } : undefined;
  }
}

const nobody = (kind: EndpointKind): Attributed => ({ kind, namespace: null, pod: null, service: null, ambiguous: false });

/** IPv6 lower-cased, an IPv4-mapped IPv6 address as its IPv4 address; IPv4 as is. */
function normalizeIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const lower = ip.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

const isIpv6 = (ip: string): boolean => ip.includes(':');

/** A dotted-quad IPv4 address as an unsigned 32-bit number, or -1. */
function ipv4Number(ip: string): number {
  let value = 0;
  let octet = -1;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46 /* . */) {
      if (octet < 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = -1;
      dots++;
    } else if (c >= 48 && c <= 57) {
      octet = (octet < 0 ? 0 : octet * 10) + c - 48;
      if (octet > 255) return -1;
    } else return -1;
  }
  return octet < 0 || dots !== 3 ? -1 : value * 256 + octet;
}

/** The first 16-bit group of an IPv6 address (0 when it starts with `::`), or -1. */
function firstIpv6Group(ip: string): number {
  let value = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 58 /* : */) return value;
    if (i === 4) return -1;
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return -1;
}

const ipv4Prefix = (address: string, bits: number) => ({ network: ipv4Number(address) >>> (32 - bits), bits });
const PRIVATE_IPV4 = [ipv4Prefix('10.0.0.0', 8), ipv4Prefix('172.16.0.0', 12), ipv4Prefix('192.168.0.0', 16), ipv4Prefix('100.64.0.0', 10)];

function isLoopback(ip: string): boolean {
  if (isIpv6(ip)) return ip === '::1' || ip === '0:0:0:0:0:0:0:1';
  const n = ipv4Number(ip);
  return n >= 0 && n >>> 24 === 127;
}

function isPrivate(ip: string): boolean {
  if (isIpv6(ip)) {
    const group = firstIpv6Group(ip);
    return group >= 0 && ((group & 0xfe00) === 0xfc00 || (group & 0xffc0) === 0xfe80);
  }
  const n = ipv4Number(ip);
  if (n < 0) return false;
  for (const prefix of PRIVATE_IPV4) if (n >>> (32 - prefix.bits) === prefix.network) return true;
  return false;
}
