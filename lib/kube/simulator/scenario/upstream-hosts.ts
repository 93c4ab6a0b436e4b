// One Envoy cluster's host set and load balancer, as the simulated Envoy sees them. Resolution follows the cluster
// type (shared/notes/envoy-access-log.md §7): STRICT_DNS keeps every answer of every endpoint, LOGICAL_DNS only the
// first address, STATIC the configured IPs. DNS types re-resolve every dns_refresh_rate (Envoy default 5000 ms), so
// a removed backend keeps receiving requests until the next refresh, as in a real cluster.
import type { ClusterConfig } from '../../../envoy/envoy-config.ts';
import type { Rand } from './request-variety.ts';

/** Resolves a hostname to IPs, as cluster DNS would: ClusterIP Service → its VIP, headless → ready pod IPs. */
export type Resolver = (hostname: string) => string[];

export const DEFAULT_DNS_REFRESH_MS = 5000;

const isIpLiteral = (host: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');

/** `ip:port`, with IPv6 in brackets as Envoy prints it. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export class UpstreamHosts {
  private hosts: string[] = [];
  private resolvedAt: number | undefined;
  private next = 0;

  constructor(
    readonly cluster: ClusterConfig,
    private readonly rand: Rand,
  ) {}

  get refreshMs(): number {
    return this.cluster.dnsRefreshRateMs ?? DEFAULT_DNS_REFRESH_MS;
  }

  /** The hosts Envoy balances over at `nowMs`, resolving first when the refresh interval has passed. */
  current(nowMs: number, resolve: Resolver): string[] {
    if (this.resolvedAt === undefined || nowMs - this.resolvedAt >= this.refreshMs || this.cluster.type === 'STATIC') {
      this.hosts = this.resolveAll(resolve);
      this.resolvedAt = nowMs;
    }
    return this.hosts;
  }

  private resolveAll(resolve: Resolver): string[] {
    const lookup = (address: string) => (isIpLiteral(address) ? [address] : resolve(address));
    const endpoints = this.cluster.endpoints;
    switch (this.cluster.type) {
      case 'STATIC':
        // STATIC endpoints are IPs by definition; a name would be refused by Envoy, so it yields no host.
        return endpoints.filter((e) => isIpLiteral(e.address)).map((e) => hostPort(e.address, e.port ?? 80));
      case 'LOGICAL_DNS': {
        const first = endpoints[0];
        const ip = first ? lookup(first.address)[0] : undefined;
        return first && ip ? [hostPort(ip, first.port ?? 80)] : [];
      }
      default: {
        // STRICT_DNS (and, as an approximation, EDS with inline endpoints): every answer is a host.
        const out: string[] = [];
        for (const e of endpoints) for (const ip of lookup(e.address)) out.push(hostPort(ip, e.port ?? 80));
        return [...new Set(out)];
      }
    }
  }

  /** The host for the next request, or undefined when there is none (Envoy answers 503 UH). */
  choose(hosts: string[]): string | undefined {
    if (hosts.length === 0) return undefined;
    switch (this.cluster.lbPolicy) {
      case 'RANDOM':
      case 'RING_HASH':
      case 'MAGLEV':
        // Hash policies spread by a request hash; without a hash key configured that is as good as random.
        return hosts[Math.floor(this.rand() * hosts.length)];
      default:
        // ROUND_ROBIN; LEAST_REQUEST with equal weights and equal load degenerates to the same rotation.
        return hosts[this.next++ % hosts.length];
    }
  }
}
