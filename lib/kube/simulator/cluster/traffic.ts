// Client traffic through the simulated cluster. Requests enter at the edge Envoys at the configured rate; each is
// logged by that Envoy when it finishes, and followed to the pod that served it: kube-proxy picks the pod behind a
// Service IP, an ingress sidecar there logs it again, an egress sidecar logs the call the pod's application makes
// next, applications log what they served. Every hop carries the same X-Request-ID and nests inside its caller's time.
import { seededRandom } from '../../../sample/seeded-random.ts';
import type { AccessRequest } from '../scenario/access-request.ts';
import { appRequestLine } from '../scenario/app-lines.ts';
import type { ClusterView } from './cluster-view.ts';
import type { EnvoyProcess } from './envoy-process.ts';
import type { Kubelet } from './kubelet.ts';
import type { ContainerModel, PodModel } from './pod-model.ts';

export interface TrafficStats {
  /** Client requests that entered the cluster. */
  requests: number;
  /** Access-log lines written by all Envoys. */
  accessLines: number;
  /** Lines written by application containers. */
  appLines: number;
}

interface Edge {
  pod: PodModel;
  container: ContainerModel;
  envoy: EnvoyProcess;
}

/** Hops followed per request at most (a loop in a scenario must not hang the simulation). */
const MAX_DEPTH = 6;

const ipOf = (hostPort: string) => (hostPort.startsWith('[') ? hostPort.slice(1, hostPort.indexOf(']')) : hostPort.replace(/:\d+$/, ''));
const reached = (r: AccessRequest) => r.responseCodeDetails === 'via_upstream' && !!r.upstreamHost;

export class Traffic {
  rate: number;
  paused = false;
  readonly stats: TrafficStats = { requests: 0, accessLines: 0, appLines: 0 };
  private lastMs: number;
  private carry = 0;
  private cursor = 0;
  private edges: Edge[] = [];
  private edgesVersion = -1;
  private readonly rand: () => number;

  constructor(
    private readonly kubelet: Kubelet,
    private readonly view: ClusterView,
    startMs: number,
    rate: number,
    seed: number,
  ) {
    this.lastMs = startMs;
    this.rate = rate;
    this.rand = seededRandom(seed ^ 0x7aff1c);
  }

  /** Generates the requests that finish in (last run, untilMs], spread evenly over that span. */
  runUntil(untilMs: number): void {
    const start = this.lastMs;
    if (untilMs <= start) return;
    this.lastMs = untilMs;
    if (this.paused || this.rate <= 0) {
      this.carry = 0;
      return;
    }
    const span = untilMs - start;
    const expected = this.carry + (this.rate * span) / 1000;
    const n = Math.floor(expected);
    this.carry = expected - n;
    const edges = this.edgeList();
    if (edges.length === 0) return;
    // Each request ends at a random point of its own slot: arrivals look random, and their order stays by time.
    for (let k = 0; k < n; k++) this.edgeRequest(edges[this.cursor++ % edges.length]!, start + (span * (k + this.rand())) / n);
  }

  /** The end of the last span generated. */
  get lastRunMs(): number {
    return this.lastMs;
  }

  /** Moves the start of the next span without generating anything (after a long stall of the event loop). */
  skipTo(ms: number): void {
    if (ms > this.lastMs) this.lastMs = ms;
  }

  /** Writes one request through `edge` whose line is over `bytes` long (a huge header), for the partial-record fault. */
  longRequest(edge: Edge, endMs: number, bytes: number): AccessRequest {
    const [req] = edge.envoy.sidecar.nextRequests(endMs, 1, this.view.resolver(edge.pod.namespace));
    const r = req!;
    r.userAgent = `Mozilla/5.0 (envoy-lens long header test) ${'x'.repeat(Math.max(0, bytes))}`;
    this.writeAccess(edge.pod, edge.container, edge.envoy, r, endMs);
    return r;
  }

  /** Edge Envoys, each listed as often as its workload's weight. */
  private edgeList(): Edge[] {
    if (this.edgesVersion === this.kubelet.version) return this.edges;
    this.edgesVersion = this.kubelet.version;
    this.edges = [];
    for (const e of this.kubelet.runningEnvoys()) {
      if (e.envoy.role !== 'edge' || e.pod.deletingSince !== undefined) continue;
      const weight = Math.max(1, Math.round(e.pod.workload?.weight ?? 1));
      for (let i = 0; i < weight; i++) this.edges.push(e);
    }
    return this.edges;
  }

  private edgeRequest(edge: Edge, endMs: number): void {
    this.stats.requests++;
    const [req] = edge.envoy.sidecar.nextRequests(endMs, 1, this.view.resolver(edge.pod.namespace));
    const r = req!;
    this.follow(edge.pod, r, endMs, 0);
    this.writeAccess(edge.pod, edge.container, edge.envoy, r, endMs);
    // nginx in front of the Envoy (the seed's nginx-test) logs the client's request once Envoy answered.
    const front = edge.pod.containers.find((c) => c.spec.kind === 'app' && c.spec.app === 'nginx');
    if (front && front.spec.kind === 'app') {
      const client = r.forwardedFor?.split(',')[0]?.trim() || `${edge.pod.hostIP}:${40000 + Math.floor(this.rand() * 20000)}`;
      this.writeApp(edge.pod, front, r, endMs + 0.2, client, r.status);
    }
  }

  /** After `req` left `pod`'s Envoy: the hops it caused at the pod that served it. Returns the time they took. */
  private follow(pod: PodModel, req: AccessRequest, endMs: number, depth: number): number {
    if (!reached(req) || depth >= MAX_DEPTH) return 0;
    const target = this.targetOf(req.upstreamHost!);
    if (!target || target === pod) return 0;
    const consumed = this.serve(target, req, pod.ip, endMs - 0.5, depth + 1);
    if (consumed > 0) stretch(req, consumed + 1);
    return consumed;
  }

  /** `req` arrived at `pod` from `callerIp`; writes what the pod logs. Returns how long the pod's hops took (ms). */
  private serve(pod: PodModel, parent: AccessRequest, callerIp: string, endMs: number, depth: number): number {
    const envoyC = pod.containers.find((c) => c.envoy && 'running' in c.state);
    const app = pod.containers.find((c) => c.spec.kind === 'app' && 'running' in c.state);
    const envoy = envoyC?.envoy;
    const resolve = this.view.resolver(pod.namespace);
    const peer = `${callerIp}:${32768 + Math.floor(this.rand() * 28000)}`;
    if (envoyC && envoy?.role === 'ingress') {
      const [child] = envoy.sidecar.nextRequests(endMs, 1, resolve, { requestIds: [parent.requestId ?? undefined], callers: [callerIp] });
      const c = child!;
      if (reached(c) && app) this.writeApp(pod, app, c, endMs - 0.2, `127.0.0.1:${32768 + Math.floor(this.rand() * 28000)}`, c.status);
      this.writeAccess(pod, envoyC, envoy, c, endMs);
      propagateFailure(parent, c);
      return c.durationMs ?? 0;
    }
    if (envoyC && envoy?.role === 'egress') {
      const childEnd = endMs - 0.4;
      const [child] = envoy.sidecar.nextRequests(childEnd, 1, resolve, { requestIds: [parent.requestId ?? undefined], callers: ['127.0.0.1'] });
      const c = child!;
      this.follow(pod, c, childEnd, depth);
      this.writeAccess(pod, envoyC, envoy, c, childEnd);
      propagateFailure(parent, c);
      if (app) this.writeApp(pod, app, parent, endMs, peer, parent.status);
      return (c.durationMs ?? 0) + 1;
    }
    if (app) this.writeApp(pod, app, parent, endMs, peer, parent.status);
    return 0;
  }

  /** The pod a connection to `hostPort` reaches: the pod with that IP, or one kube-proxy picks behind a Service IP. */
  private targetOf(hostPort: string): PodModel | undefined {
    const ip = ipOf(hostPort);
    const svc = this.view.serviceAt(ip);
    if (svc) {
      if (svc.ready.length === 0) return undefined;
      return this.kubelet.podByIp(svc.ready[Math.floor(this.rand() * svc.ready.length)]!);
    }
    const pod = this.kubelet.podByIp(ip);
    return pod && !pod.gone ? pod : undefined;
  }

  /** The runtime stamps a line when it reads it, a little after the process wrote it. */
  private stamp(endMs: number): number {
    return endMs + 0.01 + this.rand() * 0.2;
  }

  private writeAccess(pod: PodModel, c: ContainerModel, envoy: EnvoyProcess, req: AccessRequest, endMs: number): void {
    if (this.kubelet.write(pod, c.spec.name, envoy.sidecar.render(req), this.stamp(endMs), req.requestId ?? undefined)) this.stats.accessLines++;
  }

  private writeApp(pod: PodModel, c: ContainerModel, req: AccessRequest, endMs: number, peer: string, status: number): void {
    if (c.spec.kind !== 'app') return;
    const line = appRequestLine(c.spec.app, { endMs, request: req, peer, status, host: req.authority ?? pod.ip });
    if (this.kubelet.write(pod, c.spec.name, line, this.stamp(endMs))) this.stats.appLines++;
  }
}

/** A caller's request lasts at least as long as the hops it waited for. */
function stretch(req: AccessRequest, minDurationMs: number): void {
  const duration = req.durationMs ?? 0;
  if (req.durationMs === null || req.durationMs === undefined || duration >= minDurationMs) return;
  const end = req.startMs + duration;
  req.durationMs = Math.ceil(minDurationMs);
  req.startMs = end - req.durationMs;
  if (req.upstreamServiceTimeMs !== null && req.upstreamServiceTimeMs !== undefined) {
    req.upstreamServiceTimeMs = Math.max(req.upstreamServiceTimeMs, req.durationMs - 1);
  }
}

/** A hop that failed with a 5xx makes its caller answer the same status. */
function propagateFailure(parent: AccessRequest, child: AccessRequest): void {
  if (child.status >= 500 && parent.status < 500 && parent.responseCodeDetails === 'via_upstream') parent.status = child.status;
}
