// The Kubernetes API simulator as one object: the API server (kubectl and client-node talk to it unchanged), the
// controllers and kubelet that keep pods, EndpointSlices and container logs as a real cluster would, the simulated
// Envoys and their traffic, and the fault injection tests drive through the control API under /_sim/.
import { seededRandom } from '../../sample/seeded-random.ts';
import { startApiServer, type ApiServer } from './api/api-server.ts';
import { ContainerLogs, type RotationLimits } from './api/container-logs.ts';
import { FaultInjector } from './api/fault-injector.ts';
import { kubeconfigYaml, writeKubeconfig } from './api/kubeconfig.ts';
import { ObjectStore } from './api/object-store.ts';
import { RESOURCE_TYPES, type ResourceType } from './api/resources.ts';
import { ClusterView } from './cluster/cluster-view.ts';
import { IpAllocator } from './cluster/ip-allocator.ts';
import { DEFAULT_KUBELET_SETTINGS, Kubelet, KubeletError, type KubeletSettings } from './cluster/kubelet.ts';
import type { PodModel } from './cluster/pod-model.ts';
import { ManualClock, realClock, Timeline, type Clock } from './cluster/sim-clock.ts';
import { Traffic } from './cluster/traffic.ts';
import { EndpointSliceController } from './cluster/endpoint-slice-controller.ts';
import { WorkloadController } from './cluster/workload-controller.ts';
import { handleControlRequest } from './control-api.ts';
import type { KubeObject } from './kube-object.ts';
import { largeScenario } from './scenario/large-scenario.ts';
import type { ScenarioSpec, WorkloadContainer } from './scenario/scenario-spec.ts';
import { seedScenario, type SeedVariant } from './scenario/seed-scenario.ts';

export type ScenarioName = 'seed' | 'large';

export interface ScenarioChoice {
  name: ScenarioName;
  /** Seed only: which ConfigMap the Envoy starts with. */
  variant?: SeedVariant;
}

export interface SimulationOptions extends Partial<KubeletSettings> {
  scenario?: ScenarioChoice;
  /** Client requests per second over all edge Envoys; the scenario's default when absent. */
  rate?: number;
  /** Seed of every random choice (traffic, names, container IDs). */
  seed?: number;
  /** A manual clock for deterministic tests (move it with advance); the wall clock otherwise. */
  clock?: ManualClock;
  /** Real clock only: how often traffic and pending events are brought up to date (default 50 ms). */
  tickMs?: number;
  /** How long a freed pod IP waits before another pod may get it (default 30 s, AWS VPC CNI's cool-down). */
  ipReuseDelayMs?: number;
  rotation?: RotationLimits;
  /** Watch history kept, in events; older resume points get 410 Expired. */
  historyLimit?: number;
  bookmarkIntervalMs?: number;
  /** API server port; 0 picks a free one. */
  port?: number;
}

export class Simulation {
  readonly clock: Clock;
  readonly manualClock?: ManualClock;
  readonly timeline: Timeline;
  readonly faults = new FaultInjector();
  readonly settings: KubeletSettings;
  store!: ObjectStore;
  logs!: ContainerLogs;
  kubelet!: Kubelet;
  workloads!: WorkloadController;
  traffic!: Traffic;
  allocator!: IpAllocator;
  scenario!: ScenarioSpec;
  choice: ScenarioChoice;
  private view!: ClusterView;
  private slices!: EndpointSliceController;
  private server?: ApiServer;
  private ticker?: NodeJS.Timeout;
  private readonly seed: number;
  private ipReuseDelayMs: number;
  private readonly rotation?: RotationLimits;
  private readonly historyLimit: number;

  private constructor(options: SimulationOptions) {
    this.manualClock = options.clock;
    this.clock = options.clock ?? realClock;
    this.timeline = new Timeline(this.clock);
    this.seed = options.seed ?? 1;
    this.ipReuseDelayMs = options.ipReuseDelayMs ?? 30_000;
    this.rotation = options.rotation;
    this.historyLimit = options.historyLimit ?? 5000;
    this.choice = options.scenario ?? { name: 'seed' };
    this.settings = {
      ...DEFAULT_KUBELET_SETTINGS,
      ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k in DEFAULT_KUBELET_SETTINGS && v !== undefined)),
    } as KubeletSettings;
    // The store outlives scenario switches, so watches and resourceVersions continue across them.
    this.store = new ObjectStore({ historyLimit: this.historyLimit, now: () => new Date(this.clock.now()) });
    this.logs = new ContainerLogs({ now: () => this.clock.now(), ...(this.rotation ? { rotation: this.rotation } : {}) });
  }

  /** Builds the cluster of the chosen scenario without serving it (unit tests). */
  static create(options: SimulationOptions = {}): Simulation {
    const sim = new Simulation(options);
    sim.load(sim.choice, options.rate);
    return sim;
  }

  /** Builds the cluster and serves the API on 127.0.0.1; with the real clock, traffic flows at once. */
  static async start(options: SimulationOptions = {}): Promise<Simulation> {
    const sim = Simulation.create(options);
    sim.server = await startApiServer({
      port: options.port ?? 0,
      store: sim.store,
      logs: sim.logs,
      now: () => sim.clock.now(),
      faults: sim.faults,
      ...(options.bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
      control: (req, res, url) => handleControlRequest(sim, req, res, url),
      hooks: {
        deletePod: (ns, name, grace) => {
          sim.catchUp();
          return sim.kubelet.deletePod(ns, name, grace);
        },
        admitCreate: (type, obj, dryRun) => sim.admitCreate(type, obj, dryRun),
      },
    });
    if (!sim.manualClock) {
      const tick = options.tickMs ?? 50;
      sim.ticker = setInterval(() => {
        try {
          sim.catchUp();
        } catch (err) {
          // A bug in one simulated component must not take the API server down with it.
          console.error(`simulator: ${err instanceof Error ? err.stack : String(err)}`);
        }
      }, tick);
    }
    return sim;
  }

  get url(): string {
    if (!this.server) throw new Error('the simulation is not serving; use Simulation.start');
    return this.server.url;
  }

  get api(): ApiServer {
    if (!this.server) throw new Error('the simulation is not serving; use Simulation.start');
    return this.server;
  }

  kubeconfig(): string {
    return kubeconfigYaml({ server: this.url });
  }

  writeKubeconfig(path: string): Promise<string> {
    return writeKubeconfig(path, { server: this.url });
  }

  /** Runs pending events and traffic up to `untilMs`, in time order. */
  step(untilMs: number): void {
    let budget = 100_000;
    for (let task = this.timeline.takeDue(untilMs); task; task = this.timeline.takeDue(untilMs)) {
      if (--budget < 0) throw new Error(`more than 100000 events due at once around ${new Date(task.at).toISOString()}: a task keeps rescheduling itself`);
      this.traffic.runUntil(task.at);
      if (this.manualClock && task.at > this.manualClock.now()) this.manualClock.set(task.at);
      task.run();
    }
    this.traffic.runUntil(untilMs);
  }

  /** Real clock: brings the cluster up to now (skipping traffic for an event loop that stalled for seconds). */
  catchUp(): void {
    const now = this.clock.now();
    if (!this.manualClock) {
      // A process paused for longer than this (a debugger, a suspended laptop) would otherwise log a burst.
      const behind = now - this.traffic.lastRunMs;
      if (behind > 5000) this.traffic.skipTo(now - 1000);
    }
    this.step(now);
  }

  /** Manual clock: moves time forward by `ms`, running what happens meanwhile. */
  advance(ms: number): void {
    if (!this.manualClock) throw new Error('advance needs a manual clock (SimulationOptions.clock); this simulation runs on the wall clock');
    const target = this.manualClock.now() + ms;
    this.step(target);
    this.manualClock.set(target);
  }

  /** Replaces the whole cluster: every object is deleted (watchers see it) and the new scenario starts. */
  switchScenario(choice: ScenarioChoice, rate?: number): void {
    this.catchUp();
    this.teardown();
    // The scenario's kinds in this order, then objects applied by hand (deploy/'s kinds); namespaces last, as their
    // deletion would take what is in them.
    const first = ['endpointslices', 'pods', 'services', 'configmaps'];
    const rank = (t: ResourceType) => (t.plural === 'namespaces' ? Infinity : first.includes(t.plural) ? first.indexOf(t.plural) : first.length);
    for (const t of [...RESOURCE_TYPES].sort((a, b) => rank(a) - rank(b))) {
      for (const o of this.store.list(t.plural)) this.store.delete(t.plural, o.metadata.namespace, o.metadata.name, t.group);
    }
    this.load(choice, rate);
  }

  setIpReuseDelay(ms: number): void {
    this.ipReuseDelayMs = ms;
    this.allocator.reuseDelayMs = ms;
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await this.server?.close();
    this.teardown();
  }

  /** The pod models of the running scenario. */
  pods(): PodModel[] {
    return this.kubelet.list();
  }

  /** Defaults the apiserver fills in on create: a ClusterIP for a Service that has none. */
  admitCreate(type: ResourceType, obj: KubeObject, dryRun: boolean): KubeObject {
    if (type.plural !== 'services') return obj;
    const spec = { ...((obj.spec as Record<string, unknown>) ?? {}) };
    spec.type ??= 'ClusterIP';
    if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = dryRun ? '10.96.0.0' : this.allocateClusterIp();
    spec.clusterIPs ??= [spec.clusterIP];
    spec.sessionAffinity ??= 'None';
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
    return { ...obj, spec };
  }

  private allocateClusterIp(): string {
    const used = new Set(this.store.list('services').map((s) => (s.spec as { clusterIP?: string }).clusterIP));
    const rand = seededRandom(this.store.resourceVersion + this.seed);
    for (;;) {
      const ip = `10.96.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
      if (!used.has(ip)) return ip;
    }
  }

  private load(choice: ScenarioChoice, rate: number | undefined): void {
    this.choice = choice;
    this.scenario = choice.name === 'large' ? largeScenario() : seedScenario(choice.variant ?? 'clusterip');
    this.allocator = new IpAllocator(this.scenario.nodes.map((n) => ({ node: n.name, podCidr: n.podCidr })), this.ipReuseDelayMs, () => this.clock.now());
    this.view = new ClusterView(this.store);
    this.slices = new EndpointSliceController(this.store);
    this.slices.start();
    this.kubelet = new Kubelet({
      store: this.store,
      logs: this.logs,
      clock: this.clock,
      timeline: this.timeline,
      allocator: this.allocator,
      nodes: this.scenario.nodes,
      seed: this.seed,
      settings: this.settings,
      sidecarOptions: (pod, container) => this.sidecarOptions(pod, container),
      onPodDeleting: (pod) => this.workloads.onPodDeleting(pod),
    });
    this.workloads = new WorkloadController(this.kubelet, this.scenario.workloads, this.scenario.nodes, this.seed);
    for (const o of this.scenario.objects) this.store.create(o);
    this.workloads.start();
    this.traffic = new Traffic(this.kubelet, this.view, this.clock.now(), rate ?? this.scenario.defaultRate, this.seed);
  }

  private teardown(): void {
    this.kubelet?.removeAll();
    this.kubelet?.dispose();
    this.slices?.stop();
    this.view?.dispose();
    this.timeline.clear();
  }

  private sidecarOptions(pod: PodModel, container: WorkloadContainer) {
    const callers = pod.workload?.callers;
    const restart = pod.containers.find((c) => c.spec === container)?.restartCount ?? 0;
    return {
      seed: hashSeed(`${this.seed}/${pod.namespace}/${pod.name}/${container.name}/${restart}`),
      startedMs: this.clock.now(),
      podIp: pod.ip,
      hostname: pod.name,
      ...(container.kind === 'envoy' && container.listenerName ? { listenerName: container.listenerName } : {}),
      ...(callers === 'node-pods'
        ? { callers: () => this.kubelet.list().filter((p) => p.node === pod.node && p !== pod && !p.gone).map((p) => p.ip) }
        : Array.isArray(callers)
          ? { callers }
          : {}),
      reachable: (host: string) => this.reachable(host),
    };
  }

  /** Whether a TCP connection to `ip:port` would be accepted: a live pod, or a Service IP with ready endpoints. */
  private reachable(host: string): boolean {
    const ip = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
    if (ip === '127.0.0.1' || ip === '::1') return true;
    const svc = this.view.serviceAt(ip);
    if (svc) return svc.ready.length > 0;
    const pod = this.kubelet.podByIp(ip);
    return !!pod && !pod.gone;
  }
}

function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export { KubeletError };
