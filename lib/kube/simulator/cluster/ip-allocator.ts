// Pod IPs per node, handed out like host-local IPAM (a cursor that moves on from the last address given) with a freed
// address becoming available again after a cool-down (AWS VPC CNI's IP_COOLDOWN_PERIOD is 30 s). Freed addresses are
// preferred, oldest release first, so IP reuse shows up in a small cluster instead of after the range wraps around.

export interface NodeRange {
  node: string;
  /** The node's pod CIDR, a /24: `10.244.0.0/24`. */
  podCidr: string;
}

interface Range {
  prefix: string;
  cursor: number;
}

const FIRST_HOST = 2; // .0 is the network, .1 the bridge gateway
const LAST_HOST = 254;

export class IpExhaustedError extends Error {}

export class IpAllocator {
  private readonly ranges = new Map<string, Range>();
  private readonly inUse = new Set<string>();
  /** Freed addresses with the time they may be given out again, in release order. */
  private released: { ip: string; node: string; availableAt: number }[] = [];

  constructor(
    nodes: NodeRange[],
    public reuseDelayMs: number,
    private readonly now: () => number,
  ) {
    for (const n of nodes) {
      const m = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(n.podCidr);
      if (!m) throw new Error(`node ${n.node}: pod CIDR ${n.podCidr} is not a /24 network`);
      this.ranges.set(n.node, { prefix: `${m[1]}.`, cursor: FIRST_HOST - 1 });
    }
  }

  /** Marks an address taken (a scenario's fixed pod IPs); the cursor moves past it, as host-local's last-reserved IP. */
  reserve(node: string, ip: string): void {
    const range = this.range(node);
    if (!ip.startsWith(range.prefix)) throw new Error(`${ip} is outside node ${node}'s range ${range.prefix}0/24`);
    if (this.inUse.has(ip)) throw new Error(`${ip} is already in use`);
    this.inUse.add(ip);
    this.released = this.released.filter((r) => r.ip !== ip);
    range.cursor = Math.max(range.cursor, Number(ip.slice(range.prefix.length)));
  }

  allocate(node: string): string {
    const range = this.range(node);
    const now = this.now();
    const reusable = this.released.find((r) => r.node === node && r.availableAt <= now);
    if (reusable) {
      this.released = this.released.filter((r) => r !== reusable);
      this.inUse.add(reusable.ip);
      return reusable.ip;
    }
    const cooling = new Set(this.released.map((r) => r.ip));
    for (let step = 0; step <= LAST_HOST - FIRST_HOST; step++) {
      const host = ((range.cursor - FIRST_HOST + 1 + step) % (LAST_HOST - FIRST_HOST + 1)) + FIRST_HOST;
      const ip = `${range.prefix}${host}`;
      if (this.inUse.has(ip) || cooling.has(ip)) continue;
      range.cursor = host;
      this.inUse.add(ip);
      return ip;
    }
    throw new IpExhaustedError(`node ${node} has no free pod IP (all of ${range.prefix}${FIRST_HOST}-${LAST_HOST} are in use or cooling down)`);
  }

  /** The pod holding `ip` is gone; the address may be handed out again after the reuse delay. */
  release(node: string, ip: string): void {
    if (!this.inUse.delete(ip)) return;
    this.released.push({ ip, node, availableAt: this.now() + this.reuseDelayMs });
  }

  isInUse(ip: string): boolean {
    return this.inUse.has(ip);
  }

  private range(node: string): Range {
    const r = this.ranges.get(node);
    if (!r) throw new Error(`unknown node ${node}`);
    return r;
  }
}
