// The live collector: discovers pods by list+watch, follows the Envoy container of each (one tracker per pod and
// container, at most maxStreams at once, the others reported as waiting), and commits what they read through one
// batch writer. With history on, it also keeps the cluster's IP history and attributes every record's upstream and
// caller at the record's own time. Errors are counted and reported, never fatal.
import { hostname } from 'node:os';
import type { FormatSpec } from '../envoy/compile-format.ts';
import type { CollectorStore } from '../store/collector-store.ts';
import { BatchWriter } from './batch-writer.ts';
import { ClusterHistory } from './cluster-history.ts';
import { CollectorCounters } from './collector-counters.ts';
import { ContainerFormats } from './container-format.ts';
import { ContainerTracker, type PodDoc, type TrackerOptions } from './container-tracker.ts';
import { Informer, type KubeObjectLike } from './informer.ts';
import type { KubeClient } from './kube-client.ts';
import { collectorStatus, type CollectorStatus } from './collector-status.ts';
import { keepsEverything, startRetentionLoop, type RetentionLoop, type RetentionLoopOptions } from './retention-loop.ts';

export const DEFAULT_CONTAINERS = ['envoy', 'istio-proxy'];

export interface CollectorOptions {
  client: KubeClient;
  store: CollectorStore;
  /** Only this namespace; all namespaces when undefined. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Container names to follow (default envoy, istio-proxy). */
  containers?: string[];
  /** A format for every container, instead of reading each pod's Envoy config. */
  format?: { spec: FormatSpec; origin: string };
  /** Containers followed at once; the rest wait and are reported. */
  maxStreams?: number;
  /** First read of a container instance never read before: only lines from this time on (epoch ms). */
  sinceMs?: number;
  silenceMs?: number;
  pollMs?: number;
  flushMs?: number;
  /** Watches silent this long are reconnected. */
  watchIdleMs?: number;
  /** Keep pod/Service IP history and attribute records (default true). */
  history?: boolean;
  id?: string;
  /** Status is stored this often for `collect --status` and the dashboard (default 2 s). */
  statusEveryMs?: number;
  /** Prune what the policy no longer keeps, at start and every ~10 minutes (through its own connection to the URL). */
  retention?: { databaseUrl: string } & Pick<RetentionLoopOptions, 'policy' | 'everyMs' | 'prune'>;
  log?: (line: string) => void;
}

interface PodLike extends KubeObjectLike {
  spec?: { containers?: { name: string }[]; initContainers?: { name: string; restartPolicy?: string }[] };
}

/** The pod's long-running containers: its containers and its native sidecars (init containers that keep running). */
const runningContainers = (p: PodLike) => [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];

export class Collector {
  readonly id: string;
  readonly counters = new CollectorCounters();
  readonly startedAt = Date.now();
  private readonly writer: BatchWriter;
  private readonly trackers = new Map<string, ContainerTracker>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly waiting: ContainerTracker[] = [];
  private readonly history?: ClusterHistory;
  private informer?: Informer<PodLike>;
  private statusTimer?: NodeJS.Timeout;
  /** The retention loop, when the options ask for one. */
  retention?: RetentionLoop;
  private stopping = false;
  private stoppedAt?: number;
  private readonly containers: string[];
  private readonly maxStreams: number;
  private readonly formats: ContainerFormats;

  private constructor(private readonly o: CollectorOptions) {
    this.id = o.id ?? `${hostname()}:${process.pid}`;
    this.containers = o.containers?.length ? o.containers : DEFAULT_CONTAINERS;
    this.maxStreams = o.maxStreams ?? 200;
    this.formats = new ContainerFormats(o.client, o.format);
    this.writer = new BatchWriter(o.store, {
      flushMs: o.flushMs ?? 100,
      onCommit: (s) => this.counters.committed(s.records, s.lagsMs),
      onError: (err) => this.counters.error('store', (err as Error).message),
    });
    if (o.history ?? true) {
      this.history = new ClusterHistory(o.client, o.store, {
        ...(o.watchIdleMs ? { idleTimeoutMs: o.watchIdleMs } : {}),
        onError: (m) => this.counters.error('watch', m),
        envoyContainers: this.containers,
      });
    }
  }

  /** Starts everything; resolves once the IP history and the pod list are in. */
  static async start(options: CollectorOptions): Promise<Collector> {
    const c = new Collector(options);
    await c.begin();
    return c;
  }

  private async begin(): Promise<void> {
    if (this.history) await this.history.start();
    const path = this.o.namespace ? `/api/v1/namespaces/${encodeURIComponent(this.o.namespace)}/pods` : '/api/v1/pods';
    this.informer = new Informer<PodLike>(
      this.o.client,
      {
        path,
        ...(this.o.labelSelector ? { labelSelector: this.o.labelSelector } : {}),
        ...(this.o.fieldSelector ? { fieldSelector: this.o.fieldSelector } : {}),
        ...(this.o.watchIdleMs ? { idleTimeoutMs: this.o.watchIdleMs } : {}),
      },
      {
        add: (p) => this.podSeen(p),
        update: (p) => this.podSeen(p),
        delete: (p) => this.podDeleted(p),
      },
      (m) => this.counters.error('watch', m),
    );
    this.informer.start();
    await this.informer.synced;
    const every = this.o.statusEveryMs ?? 2000;
    this.statusTimer = setInterval(() => void this.saveStatus(), every);
    await this.saveStatus();
    const r = this.o.retention;
    if (r && !keepsEverything(r.policy)) this.retention = startRetentionLoop(r.databaseUrl, { ...r, ...(this.o.log ? { log: this.o.log } : {}) });
  }

  private podSeen(p: PodLike): void {
    if (this.stopping) return;
    const uid = p.metadata.uid;
    if (!uid) return;
    for (const c of runningContainers(p)) {
      if (!this.containers.includes(c.name)) continue;
      const key = `${uid}/${c.name}`;
      const known = this.trackers.get(key);
      if (known) {
        known.wake(p as PodDoc);
        continue;
      }
      const tracker = new ContainerTracker(
        { namespace: p.metadata.namespace ?? 'default', pod: p.metadata.name, podUid: uid, container: c.name },
        { client: this.o.client, store: this.o.store, writer: this.writer, formats: this.formats, ...(this.history ? { history: this.history } : {}), counters: this.counters, options: this.trackerOptions() },
      );
      tracker.wake(p as PodDoc);
      this.trackers.set(key, tracker);
      if (this.running.size < this.maxStreams) this.launch(tracker);
      else {
        this.waiting.push(tracker);
        this.o.log?.(`collector: over the limit of ${this.maxStreams} followed containers; ${p.metadata.namespace}/${p.metadata.name} ${c.name} waits (raise --max-streams)`);
      }
    }
  }

  private podDeleted(p: PodLike): void {
    for (const [key, t] of this.trackers) {
      if (!key.startsWith(`${p.metadata.uid}/`)) continue;
      t.wake(p as PodDoc);
      const waiting = this.waiting.indexOf(t);
      if (waiting >= 0) {
        // Never followed: its log is gone with it.
        this.waiting.splice(waiting, 1);
        this.trackers.delete(key);
        t.neverRead(`the pod was deleted while it waited for a stream slot (--max-streams ${this.maxStreams})`);
      }
    }
  }

  private trackerOptions(): TrackerOptions {
    return {
      silenceMs: this.o.silenceMs ?? 30_000,
      pollMs: this.o.pollMs ?? 5000,
      ...(this.o.sinceMs !== undefined ? { sinceMs: this.o.sinceMs } : {}),
    };
  }

  private launch(t: ContainerTracker): void {
    const run = t.run().finally(() => {
      this.running.delete(t.key);
      this.trackers.delete(t.key);
      const next = this.waiting.shift();
      if (next && !this.stopping) this.launch(next);
    });
    this.running.set(t.key, run);
  }

  status(): CollectorStatus {
    return collectorStatus({
      id: this.id,
      startedAt: this.startedAt,
      ...(this.stoppedAt ? { stoppedAt: this.stoppedAt } : {}),
      counters: this.counters,
      trackers: [...this.trackers.values()],
      waiting: this.waiting,
      maxStreams: this.maxStreams,
      informers: [...(this.informer ? [this.informer.stats] : []), ...(this.history?.stats ?? [])],
      writerError: this.writer.lastError,
    });
  }

  private async saveStatus(): Promise<void> {
    try {
      await this.o.store.writeStatus(this.id, JSON.stringify(this.status()));
    } catch (err) {
      this.counters.error('store', `saving status: ${(err as Error).message}`);
    }
  }

  /** Stops following, commits what was read, stores a last status. The store stays open for the caller. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.statusTimer);
    await this.retention?.stop();
    await this.informer?.stop();
    for (const t of this.trackers.values()) t.stop();
    await Promise.all(this.running.values());
    await this.history?.stop();
    await this.writer.close();
    this.stoppedAt = Date.now();
    await this.saveStatus();
  }
}
