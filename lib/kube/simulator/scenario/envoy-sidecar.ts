// A simulated Envoy for one pod: reads its envoy.yaml (the access logger it writes with, the clusters it routes to)
// and turns requests into access-log lines. It owns no timers: the API server passes the clock in on every call, so
// a virtual clock gives deterministic logs. Routing is simplified: every routed request goes to one cluster (the
// seed has one route, prefix /test → app_service); requests to unrouted paths get 404 NR.
import type { FormatSpec } from '../../../envoy/compile-format.ts';
import { pickAccessLogger, readEnvoyConfigFile, type ClusterConfig, type EnvoyConfig, type TextAccessLogger } from '../../../envoy/envoy-config.ts';
import { seededRandom } from '../../../sample/seeded-random.ts';
import { AccessLineWriter } from './access-line-writer.ts';
import type { AccessRequest } from './access-request.ts';
import { clientRequest, logNormalMs, pickWeighted, uuidV4, type ClientMix, type Rand } from './request-variety.ts';
import { UpstreamHosts, type Resolver } from './upstream-hosts.ts';

export type { Resolver } from './upstream-hosts.ts';

/** Shares of outcomes Envoy itself causes, per request that has a route and a host. */
export interface FailureRates {
  /** 503 UF,URX: the connection to the chosen host failed. */
  connectFailure: number;
  /** 504 UT: the upstream did not answer in time. */
  timeout: number;
}

export interface EnvoySidecarOptions {
  /** Seed of the traffic generator (default 1). */
  seed?: number;
  /** File name for config error messages. */
  fileName?: string;
  /** Listener whose access logger writes the lines (default: as pickAccessLogger chooses). */
  listenerName?: string;
  /** The cluster routed requests go to (default: the first cluster). */
  clusterName?: string;
  /** The pod's IP: the source of upstream connections. */
  podIp?: string;
  /** Caller IPs (DaemonSet mode), or a function giving the current ones; default the pod's own nginx on 127.0.0.1. */
  callers?: string[] | (() => string[]);
  /** Whether a connection to `ip:port` would succeed; an unreachable host gets 503 UF (stale DNS to a gone pod). */
  reachable?: (host: string) => boolean;
  /** HOSTNAME operator value (the pod name). */
  hostname?: string;
  mix?: Partial<ClientMix>;
  failures?: Partial<FailureRates>;
  /** When this Envoy started: no request it logs began earlier (a 15 s timeout needs 15 s of uptime). */
  startedMs?: number;
}

export interface NextOptions {
  /** x-request-id per request (a request id shared across hops); missing entries get a fresh uuid v4. */
  requestIds?: (string | undefined)[];
  /** The caller's IP per request, overriding the sidecar's callers. */
  callers?: (string | undefined)[];
}

const DEFAULT_MIX: ClientMix = { unroutedShare: 0.005, hostileShare: 0, forwardedShare: 0.3 };
const DEFAULT_FAILURES: FailureRates = { connectFailure: 0.004, timeout: 0.002 };

/** Upstream answers when the request reached a backend: mostly 200, some redirects, client and server errors. */
const UPSTREAM_STATUSES = [[200, 0.9], [201, 0.015], [204, 0.01], [304, 0.02], [302, 0.005], [404, 0.03], [500, 0.015], [502, 0.005]] as const;

export class EnvoySidecar {
  readonly config: EnvoyConfig;
  readonly logger: TextAccessLogger;
  readonly cluster: ClusterConfig;
  private readonly writer: AccessLineWriter;
  private readonly hosts: UpstreamHosts;
  private readonly rand: Rand;
  private readonly mix: ClientMix;
  private readonly failures: FailureRates;
  private readonly listenerPort: number;
  private connectionId = 0;

  constructor(
    configText: string,
    private readonly options: EnvoySidecarOptions = {},
  ) {
    const config = readEnvoyConfigFile(configText, options.fileName ?? 'envoy.yaml');
    this.config = config;
    this.logger = pickAccessLogger(config, options.listenerName);
    const cluster = options.clusterName ? config.clusters.find((c) => c.name === options.clusterName) : config.clusters[0];
    if (!cluster) throw new Error(options.clusterName ? `no cluster named ${options.clusterName}` : 'the config has no cluster');
    this.cluster = cluster;
    this.writer = new AccessLineWriter(this.logger.format, { omitEmptyValues: this.logger.omitEmptyValues });
    this.rand = seededRandom(options.seed ?? 1);
    this.hosts = new UpstreamHosts(cluster, this.rand);
    this.mix = { ...DEFAULT_MIX, ...options.mix };
    this.failures = { ...DEFAULT_FAILURES, ...options.failures };
    const listener = config.listeners.find((l) => l.name === this.logger.listener);
    this.listenerPort = listener?.address?.port ?? 10000;
  }

  get format(): FormatSpec {
    return this.logger.format;
  }

  /** The hosts the cluster balances over at `nowMs` (resolving when the refresh interval has passed). */
  currentHosts(nowMs: number, resolve: Resolver): string[] {
    return this.hosts.current(nowMs, resolve);
  }

  /** `count` requests that finish at `nowMs` (Envoy logs when a stream ends; START_TIME is when it began). */
  nextRequests(nowMs: number, count: number, resolve: Resolver, next: NextOptions = {}): AccessRequest[] {
    const out: AccessRequest[] = [];
    for (let i = 0; i < count; i++) out.push(this.oneRequest(nowMs, resolve, next.requestIds?.[i], next.callers?.[i]));
    return out;
  }

  nextLines(nowMs: number, count: number, resolve: Resolver, next: NextOptions = {}): string[] {
    return this.nextRequests(nowMs, count, resolve, next).map((r) => this.writer.write(r));
  }

  /** One line for a request described elsewhere (e.g. a test's hand-made request). */
  render(req: AccessRequest): string {
    return this.writer.write(req);
  }

  private oneRequest(nowMs: number, resolve: Resolver, requestId: string | undefined, callerIp: string | undefined): AccessRequest {
    const rand = this.rand;
    const { request: c, routed } = clientRequest(rand, this.mix);
    const callers = typeof this.options.callers === 'function' ? this.options.callers() : this.options.callers;
    const caller = callerIp ?? (callers?.length ? callers[Math.floor(rand() * callers.length)]! : '127.0.0.1');
    const podIp = this.options.podIp ?? '10.244.0.80';
    const base = {
      method: c.method,
      path: c.path,
      protocol: c.protocol,
      userAgent: c.userAgent,
      forwardedFor: c.forwardedFor,
      authority: `127.0.0.1:${this.listenerPort}`,
      requestId: requestId ?? uuidV4(rand),
      bytesReceived: c.bytesReceived,
      downstreamRemoteAddress: `${caller}:${32768 + Math.floor(rand() * 28000)}`,
      downstreamLocalAddress: `${caller === '127.0.0.1' ? '127.0.0.1' : podIp}:${this.listenerPort}`,
      connectionId: ++this.connectionId,
      hostname: this.options.hostname ?? null,
      startSubMsNanos: Math.floor(rand() * 1_000_000),
    };
    // A local reply: Envoy answered without an upstream, so no host, no upstream service time.
    const local = (status: number, flags: string[], details: string, body: number, durationMs: number): AccessRequest => ({
      ...base, startMs: nowMs - durationMs, status, responseFlags: flags, responseCodeDetails: details, bytesSent: body,
      durationMs, upstreamServiceTimeMs: null, upstreamHost: null, upstreamCluster: routed ? this.cluster.name : null,
    });
    if (!routed) return local(404, ['NR'], 'route_not_found', 0, 0);
    const host = this.hosts.choose(this.hosts.current(nowMs, resolve));
    if (!host) return local(503, ['UH'], 'no_healthy_upstream', 19, 0);
    const upstream = {
      upstreamHost: host,
      upstreamCluster: this.cluster.name,
      upstreamLocalAddress: `${podIp}:${32768 + Math.floor(rand() * 28000)}`,
    };
    const f = rand();
    if (f < this.failures.connectFailure || (this.options.reachable && !this.options.reachable(host))) {
      const durationMs = 1 + Math.floor(rand() * 3);
      return {
        ...base, ...upstream, startMs: nowMs - durationMs, status: 503, responseFlags: ['UF', 'URX'], bytesSent: 91, durationMs,
        upstreamServiceTimeMs: null, upstreamLocalAddress: null,
        responseCodeDetails: 'upstream_reset_before_response_started{connection_failure}',
        upstreamTransportFailureReason: 'delayed connect error: Connection refused',
      };
    }
    const upLongEnough = this.options.startedMs === undefined || nowMs - 15000 >= this.options.startedMs;
    if (f < this.failures.connectFailure + this.failures.timeout && upLongEnough) {
      return {
        ...base, ...upstream, startMs: nowMs - 15000, status: 504, responseFlags: ['UT'], bytesSent: 24, durationMs: 15000,
        upstreamServiceTimeMs: null, responseCodeDetails: 'response_timeout',
      };
    }
    const status = pickWeighted(rand, UPSTREAM_STATUSES);
    const durationMs = logNormalMs(rand) + (rand() < 0.02 ? logNormalMs(rand, 5) : 0);
    const bytesSent = status === 204 || status === 304 || c.method === 'HEAD' ? 0 : status >= 500 ? 19 + Math.floor(rand() * 80) : 40 + Math.floor(rand() * 4000);
    return {
      ...base, ...upstream, startMs: nowMs - durationMs, status, responseFlags: [], bytesSent, durationMs,
      upstreamServiceTimeMs: Math.max(0, durationMs - Math.floor(rand() * 2)), responseCodeDetails: 'via_upstream',
    };
  }
}
