// The simulated kubelet and container runtime: runs pods' containers, each start a new instance with its own
// containerID and log; restarts and crash loops (CrashLoopBackOff with a doubling back-off); graceful deletion
// (deletionTimestamp, SIGTERM, containers exit, the object goes, the IP returns to the pool); Envoy containers that
// read their bootstrap from the mounted ConfigMap and follow its changes. Every change is written to the Pod's status,
// so watchers and `kubectl get pods` see what a real cluster would show.
import { formatLogTime, type ContainerLogs } from '../api/container-logs.ts';
import { rfc3339Seconds, type ObjectStore, type StoreEvent } from '../api/object-store.ts';
import type { KubeObject } from '../kube-object.ts';
import { appStartLine } from '../scenario/app-lines.ts';
import type { EnvoySidecarOptions } from '../scenario/envoy-sidecar.ts';
import { envoyConfigErrorLines, envoyLogLine, envoyShutdownLines, envoyStartLines } from '../scenario/envoy-messages.ts';
import { stableHex } from '../scenario/kube-builders.ts';
import type { NodeSpec, WorkloadContainer, WorkloadSpec } from '../scenario/scenario-spec.ts';
import { workloadPodObject } from '../scenario/workload-pods.ts';
import { bootstrapSource, containersOfApiPod, readBootstrap } from './envoy-bootstrap.ts';
import { EnvoyProcess, sidecarFactory } from './envoy-process.ts';
import type { IpAllocator } from './ip-allocator.ts';
import { podKey, withStatus, type ContainerModel, type PodModel } from './pod-model.ts';
import type { Clock, Timeline } from './sim-clock.ts';
import { splitRecords } from './split-records.ts';

export interface KubeletSettings {
  /** How long containers take to exit after SIGTERM (never longer than the grace period). */
  terminationMs: number;
  /** First crash-loop back-off; the kubelet's is 10 s, doubling up to 5 min. */
  crashBackoffMs: number;
  /** How long an injected crashing instance runs before it exits. */
  crashRunMs: number;
  /** How a changed ConfigMap reaches a running Envoy: a hot restart in the same container, or a container restart. */
  configChange: 'hot-restart' | 'restart';
  /** Delay before a ConfigMap change reaches the pod's volume (the kubelet syncs volumes every minute or so). */
  configPropagationMs: number;
}

export const DEFAULT_KUBELET_SETTINGS: KubeletSettings = {
  terminationMs: 1000,
  crashBackoffMs: 10_000,
  crashRunMs: 300,
  configChange: 'hot-restart',
  configPropagationMs: 0,
};

export interface KubeletDeps {
  store: ObjectStore;
  logs: ContainerLogs;
  clock: Clock;
  timeline: Timeline;
  allocator: IpAllocator;
  nodes: NodeSpec[];
  seed: number;
  settings: KubeletSettings;
  /** Options of the simulated Envoy that depend on the cluster: reachability, callers. */
  sidecarOptions(pod: PodModel, container: WorkloadContainer): EnvoySidecarOptions;
  /** A pod of a workload started deleting: its controller may replace it. */
  onPodDeleting?(pod: PodModel): void;
}

export interface RestartOptions {
  /** Exit code of the instance that stops (default 0, or 1 for a crash loop). */
  exitCode?: number;
  /** Crash loop: the next `times` starts exit after a moment, with CrashLoopBackOff between them. */
  crashLoop?: { times: number; backoffMs?: number };
}

const MAX_BACKOFF_MS = 300_000;
/** A back-off of 0 would restart a crashing container at the same instant forever. */
const MIN_BACKOFF_MS = 10;
const APP_PORT = 8080;

export class Kubelet {
  private readonly pods = new Map<string, PodModel>();
  private readonly byIp = new Map<string, PodModel>();
  private containerSeq = 0;
  private nodeCursor = 0;
  /** Bumped whenever pods or their containers change, so callers can cache derived lists. */
  version = 0;
  private readonly unwatch: (() => void)[] = [];

  constructor(private readonly d: KubeletDeps) {
    const cm = d.store.watch({ resource: 'configmaps' }, (e) => this.onConfigMap(e));
    const pods = d.store.watch({ resource: 'pods' }, (e) => this.onPodEvent(e));
    for (const w of [cm, pods]) if (w.ok) this.unwatch.push(w.stop);
  }

  /** Pods that have not finished deleting. */
  list(): PodModel[] {
    return [...this.pods.values()];
  }

  get(namespace: string, name: string): PodModel | undefined {
    return this.pods.get(podKey(namespace, name));
  }

  /** The pod holding `ip` now (running or terminating). */
  podByIp(ip: string): PodModel | undefined {
    return this.byIp.get(ip);
  }

  /** Creates and starts one replica of a workload. */
  runPod(workload: WorkloadSpec, placement: { name: string; node: string; ip?: string }): PodModel {
    const node = this.node(placement.node);
    const ip = placement.ip ?? this.d.allocator.allocate(node.name);
    if (placement.ip) this.d.allocator.reserve(node.name, ip);
    const pod = this.newPod(workload.namespace, placement.name, node, ip, workload.containers, workload);
    const obj = workloadPodObject(workload, { name: placement.name, node: node.name, ip, hostIP: node.hostIP, startedMs: pod.createdMs });
    return this.launch(pod, () => this.d.store.create(obj));
  }

  private newPod(namespace: string, name: string, node: NodeSpec, ip: string, containers: WorkloadContainer[], workload?: WorkloadSpec): PodModel {
    return {
      namespace, name, uid: '', node: node.name, hostIP: node.hostIP, ip, ...(workload ? { workload } : {}),
      containers: containers.map((spec) => ({ spec, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } }, crashesLeft: 0, backoffMs: this.d.settings.crashBackoffMs })),
      createdMs: this.d.clock.now(), gone: false,
    };
  }

  /** Registers a pod, stores its object (`save` returns it as stored), starts its containers. */
  private launch(pod: PodModel, save: () => KubeObject): PodModel {
    this.pods.set(podKey(pod.namespace, pod.name), pod);
    this.byIp.set(pod.ip, pod);
    pod.uid = save().metadata.uid ?? '';
    for (const c of pod.containers) this.startContainer(pod, c);
    this.publish(pod);
    return pod;
  }

  /**
   * Appends one line to a running container's log, split into 16 KiB partial records as a container runtime does.
   * Returns false when the container is not running (the line is lost, as it would be).
   */
  write(pod: PodModel, container: string, text: string, ms: number, requestId?: string): boolean {
    const c = pod.containers.find((x) => x.spec.name === container);
    const instance = c?.instance;
    if (!instance?.running) return false;
    const records = splitRecords(text);
    records.forEach((part, i) => {
      instance.append({
        time: formatLogTime(ms, i),
        text: part,
        ...(i < records.length - 1 ? { partial: true } : {}),
        ...(requestId ? { requestId } : {}),
      });
    });
    return true;
  }

  restartContainer(namespace: string, name: string, container: string, options: RestartOptions = {}): PodModel {
    const { pod, c } = this.container(namespace, name, container);
    if (pod.deletingSince !== undefined) throw new KubeletError(409, `pod ${namespace}/${name} is terminating`);
    c.cancelPending?.();
    if (options.crashLoop && options.crashLoop.times > 0) {
      c.crashesLeft = options.crashLoop.times;
      c.backoffMs = Math.max(MIN_BACKOFF_MS, options.crashLoop.backoffMs ?? this.d.settings.crashBackoffMs);
      if ('running' in c.state) this.crash(pod, c, options.exitCode ?? 1, 'Error');
      else this.scheduleStart(pod, c, c.backoffMs); // already waiting: its pending start was cancelled above
      return pod;
    }
    if ('running' in c.state) {
      if (c.envoy) this.writeAll(pod, c, envoyShutdownLines(this.d.clock.now()));
      this.terminate(c, options.exitCode ?? 0);
    }
    this.startContainer(pod, c);
    this.publish(pod);
    return pod;
  }

  /**
   * Graceful deletion, as the API server and kubelet do it: deletionTimestamp set (the pod shows Terminating and
   * leaves the ready endpoints), SIGTERM, containers exit within the grace period, the object is deleted, and the IP
   * returns to the pool. Returns the object to answer the DELETE with.
   */
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): KubeObject {
    const pod = this.pods.get(podKey(namespace, name));
    const stored = this.d.store.get('pods', namespace, name);
    if (!stored) throw new KubeletError(404, `pods "${name}" not found`);
    if (!pod) return this.d.store.delete('pods', namespace, name);
    if (pod.deletingSince !== undefined) return stored;
    const now = this.d.clock.now();
    const grace = gracePeriodSeconds ?? ((stored.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? 30);
    pod.deletingSince = now;
    const marked = withStatus(stored, pod);
    marked.metadata.deletionTimestamp = rfc3339Seconds(new Date(now + grace * 1000));
    marked.metadata.deletionGracePeriodSeconds = grace;
    const answer = this.d.store.update(marked);
    this.version++;
    this.d.onPodDeleting?.(pod);
    if (grace === 0) {
      this.finishDeletion(pod);
      return answer;
    }
    for (const c of pod.containers) if (c.envoy) this.writeAll(pod, c, envoyShutdownLines(now));
    this.d.timeline.after(Math.min(grace * 1000, this.d.settings.terminationMs), () => this.finishDeletion(pod));
    return answer;
  }

  /** Every Envoy container that runs now, with its pod. */
  runningEnvoys(): { pod: PodModel; container: ContainerModel; envoy: EnvoyProcess }[] {
    const out: { pod: PodModel; container: ContainerModel; envoy: EnvoyProcess }[] = [];
    for (const pod of this.pods.values()) {
      for (const c of pod.containers) if (c.envoy && 'running' in c.state) out.push({ pod, container: c, envoy: c.envoy });
    }
    return out;
  }

  /** Removes every pod at once, without grace (scenario switch, shutdown). */
  removeAll(): void {
    for (const pod of [...this.pods.values()]) {
      for (const c of pod.containers) c.cancelPending?.();
      this.finishDeletion(pod);
    }
  }

  dispose(): void {
    for (const stop of this.unwatch) stop();
  }

  // --- containers ---

  private startContainer(pod: PodModel, c: ContainerModel): void {
    const now = this.d.clock.now();
    const ref = { namespace: pod.namespace, pod: pod.name, container: c.spec.name, podUid: pod.uid };
    const id = `containerd://${stableHex(`${this.d.seed}/${pod.namespace}/${pod.name}/${c.spec.name}/${this.containerSeq++}`, 64)}`;
    if (c.instance) c.restartCount++;
    c.instance = this.d.logs.start(ref, id, formatLogTime(now));
    c.state = { running: { startedAt: rfc3339Seconds(new Date(now)) } };
    c.cancelPending = undefined;
    this.version++;
    let crashed = false;
    if (c.spec.kind === 'app') {
      const port = (c.spec.ports?.[0]?.containerPort) ?? APP_PORT;
      this.write(pod, c.spec.name, appStartLine(c.spec.app, now, port), now);
    } else {
      crashed = !this.startEnvoy(pod, c, now);
    }
    if (crashed) {
      // Envoy exits at once on a config it cannot load: the container crash-loops until the config is fixed.
      this.crash(pod, c, 1, 'Error');
    } else if (c.crashesLeft > 0) {
      c.cancelPending = this.d.timeline.after(this.d.settings.crashRunMs, () => {
        c.crashesLeft--;
        this.writeAll(pod, c, [crashLine(c, this.d.clock.now())]);
        this.crash(pod, c, 139, 'Error');
      });
    } else {
      c.backoffMs = this.d.settings.crashBackoffMs;
    }
  }

  /** Starts Envoy in a container that just started; false when Envoy refuses its config (after logging why). */
  private startEnvoy(pod: PodModel, c: ContainerModel, now: number): boolean {
    if (c.spec.kind !== 'envoy') return true;
    const source = bootstrapSource(this.d.store, pod, c.spec);
    const read = readBootstrap(this.d.store, source);
    const path = source.kind === 'configmap' ? source.path : source.kind === 'unresolved' ? (source.path ?? '/etc/envoy/envoy.yaml') : '--config-yaml';
    if ('error' in read) {
      this.writeAll(pod, c, envoyConfigErrorLines(now, path, read.error));
      return false;
    }
    const build = sidecarFactory(this.d.sidecarOptions(pod, c.spec));
    try {
      const sidecar = build(read.text, path, 0);
      c.envoy = new EnvoyProcess(c.spec.role, source, read.text, sidecar, build);
      this.writeAll(pod, c, envoyStartLines(now, startInfo(c.envoy, path)));
      return true;
    } catch (err) {
      this.writeAll(pod, c, envoyConfigErrorLines(now, path, err instanceof Error ? err.message : String(err)));
      return false;
    }
  }

  /** The running instance exits; the container waits in CrashLoopBackOff, then starts again. */
  private crash(pod: PodModel, c: ContainerModel, exitCode: number, reason: string): void {
    this.terminate(c, exitCode, reason);
    const seconds = Math.round(c.backoffMs / 1000);
    c.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${seconds}s restarting failed container=${c.spec.name} pod=${pod.name}_${pod.namespace}(${pod.uid})`,
      },
    };
    const delay = Math.max(MIN_BACKOFF_MS, c.backoffMs);
    c.backoffMs = Math.min(delay * 2, MAX_BACKOFF_MS);
    this.scheduleStart(pod, c, delay);
    this.version++;
    this.publish(pod);
  }

  private scheduleStart(pod: PodModel, c: ContainerModel, delayMs: number): void {
    c.cancelPending = this.d.timeline.after(delayMs, () => {
      if (pod.gone || pod.deletingSince !== undefined) return;
      this.startContainer(pod, c);
      this.publish(pod);
    });
  }

  /**
   * Stops the running instance. It becomes the container's lastState when the container will start again; when the
   * pod is going away it is only the current state, and lastState keeps the instance before it.
   */
  private terminate(c: ContainerModel, exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error', final = false): void {
    const instance = c.instance;
    if (!instance || !('running' in c.state)) return;
    const finishedAt = this.d.clock.now();
    instance.stop(formatLogTime(finishedAt), exitCode);
    const terminated = {
      exitCode,
      reason,
      startedAt: c.state.running.startedAt,
      finishedAt: rfc3339Seconds(new Date(finishedAt)),
      containerID: instance.containerID,
    };
    if (!final) c.lastTerminated = terminated;
    c.state = { terminated: { ...terminated } };
    c.envoy = undefined;
    this.version++;
  }

  private finishDeletion(pod: PodModel): void {
    if (pod.gone) return;
    for (const c of pod.containers) {
      c.cancelPending?.();
      this.terminate(c, 0, 'Completed', true);
    }
    pod.gone = true;
    const stored = this.d.store.get('pods', pod.namespace, pod.name);
    if (stored) {
      this.d.store.update(withStatus(stored, pod));
      this.d.store.delete('pods', pod.namespace, pod.name);
    }
    this.d.logs.removePod(pod.namespace, pod.name, formatLogTime(this.d.clock.now()));
    this.pods.delete(podKey(pod.namespace, pod.name));
    if (this.byIp.get(pod.ip) === pod) this.byIp.delete(pod.ip);
    this.d.allocator.release(pod.node, pod.ip);
    this.version++;
  }

  private writeAll(pod: PodModel, c: ContainerModel, lines: string[]): void {
    const now = this.d.clock.now();
    lines.forEach((line, i) => this.write(pod, c.spec.name, line, now + i * 0.001));
  }

  /** Writes the model's state to the Pod's status. */
  private publish(pod: PodModel): void {
    if (pod.gone) return;
    const stored = this.d.store.get('pods', pod.namespace, pod.name);
    if (stored) this.d.store.update(withStatus(stored, pod));
  }

  private container(namespace: string, name: string, container: string): { pod: PodModel; c: ContainerModel } {
    const pod = this.pods.get(podKey(namespace, name));
    if (!pod) throw new KubeletError(404, `pods "${name}" not found in namespace ${namespace}`);
    const c = pod.containers.find((x) => x.spec.name === container);
    if (!c) throw new KubeletError(404, `pod ${namespace}/${name} has no container ${container} (it has ${pod.containers.map((x) => x.spec.name).join(', ')})`);
    return { pod, c };
  }

  private node(name: string): NodeSpec {
    const node = this.d.nodes.find((n) => n.name === name);
    if (!node) throw new KubeletError(400, `unknown node ${name}`);
    return node;
  }

  // --- reacting to the API ---

  /** A ConfigMap changed: Envoys that mount it load the new bootstrap once the kubelet has synced the volume. */
  private onConfigMap(e: StoreEvent): void {
    if (e.type === 'DELETED') return;
    const { namespace, name } = e.object.metadata;
    for (const { pod, container, envoy } of this.runningEnvoys()) {
      const s = envoy.source;
      if (s.kind !== 'configmap' || s.namespace !== namespace || s.name !== name) continue;
      this.d.timeline.after(this.d.settings.configPropagationMs, () => this.applyConfigChange(pod, container));
    }
  }

  private applyConfigChange(pod: PodModel, c: ContainerModel): void {
    const envoy = c.envoy;
    if (!envoy || pod.gone || pod.deletingSince !== undefined || envoy.source.kind !== 'configmap') return;
    const read = readBootstrap(this.d.store, envoy.source);
    if ('text' in read && read.text === envoy.configText) return;
    if (this.d.settings.configChange === 'restart') {
      this.restartContainer(pod.namespace, pod.name, c.spec.name);
      return;
    }
    const now = this.d.clock.now();
    if ('error' in read) {
      this.writeAll(pod, c, [envoyLogLine(now, 'critical', 'main', 'source/server/hot_restart_impl.cc:98', `hot restart failed: ${read.error}`)]);
      return;
    }
    const result = envoy.hotRestart(read.text);
    if (result.ok) this.writeAll(pod, c, envoyStartLines(now, startInfo(envoy, envoy.configPath)));
    else this.writeAll(pod, c, envoyConfigErrorLines(now, envoy.configPath, `${result.error} (epoch ${envoy.epoch} keeps serving)`).slice(0, 2));
    this.version++;
  }

  /** A pod created through the API (kubectl apply, run): schedule it, give it an IP and run its containers. */
  private onPodEvent(e: StoreEvent): void {
    if (e.type !== 'ADDED') return;
    const { namespace = 'default', name } = e.object.metadata;
    if (this.pods.has(podKey(namespace, name))) return;
    // After the create call returns, as the scheduler and kubelet act asynchronously.
    queueMicrotask(() => {
      try {
        this.adopt(namespace, name);
      } catch (err) {
        console.error(`simulator: could not run pod ${namespace}/${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }

  private adopt(namespace: string, name: string): void {
    const stored = this.d.store.get('pods', namespace, name);
    if (!stored || this.pods.has(podKey(namespace, name))) return;
    const spec = (stored.spec ?? {}) as { nodeName?: string; containers?: { name: string; image?: string; ports?: { containerPort: number }[] }[] };
    const node = this.d.nodes.find((n) => n.name === spec.nodeName) ?? this.d.nodes[this.nodeCursor++ % this.d.nodes.length]!;
    const pod = this.newPod(namespace, name, node, this.d.allocator.allocate(node.name), containersOfApiPod(spec.containers ?? []));
    const scheduled: KubeObject = { ...stored, spec: { ...spec, nodeName: node.name } };
    delete scheduled.metadata.resourceVersion;
    this.launch(pod, () => this.d.store.update(withStatus(scheduled, pod)));
  }
}

/** An operation the kubelet refuses, with the HTTP status the control API answers. */
export class KubeletError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function startInfo(envoy: EnvoyProcess, configPath: string) {
  const config = envoy.sidecar.config;
  return { epoch: envoy.epoch, configPath, clusters: config.clusters.length, listeners: config.listeners.length, adminPort: 9901 };
}

function crashLine(c: ContainerModel, ms: number): string {
  if (c.spec.kind === 'envoy') {
    return envoyLogLine(ms, 'critical', 'backtrace', './source/server/backtrace.h:104', 'Caught Segmentation fault, suspect faulting address 0x0');
  }
  return `panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV: segmentation violation]`;
}
