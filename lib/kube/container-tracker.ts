// Follows one container of one pod through all its instances, losing and duplicating nothing (the method of
// shared/notes/kube-api.md §7):
// - each instance (containerID) is its own source with a watermark committed with its records; a reconnect resumes
//   from the watermark's second and skips what the watermark covers;
// - the instance a log request reads is proven, not assumed: the pod is read again once the headers arrive, and the
//   stream is used only if the same instance was current (or lastState) before and after the request, since a
//   container ID never runs again;
// - a stopped instance is finished with a plain read of it (previous=true, or the terminated current one), so a
//   follow that ended for another reason cannot cut its tail; only then does the next instance start;
// - what cannot be read is recorded as a gap: lines rotated out of the current file while away, an instance no longer
//   reachable (two restarts during one outage), a pod deleted while its stream was broken;
// - a stream silent for a while is probed with a plain read from the watermark: if that shows lines the stream did
//   not deliver, the stream is stalled and is replaced.
import type { AccessRecord } from '../envoy/access-record.ts';
import type { CollectorStore } from '../store/collector-store.ts';
import { Backoff, sleep } from './backoff.ts';
import type { BatchWriter } from './batch-writer.ts';
import type { ClusterHistory } from './cluster-history.ts';
import type { CollectorCounters } from './collector-counters.ts';
import type { ContainerFormats } from './container-format.ts';
import { KubeApiError, type KubeClient, type Query } from './kube-client.ts';
import { parseKubeletLine } from './kubelet-log-line.ts';
import { LineSplitter } from './line-splitter.ts';
import { advance, ResumeFilter, resumeSince } from './watermark.ts';
import { ContainerInstances, type Instance, type TrackerTarget } from './container-instances.ts';
import { ContainerLines } from './container-lines.ts';
import { containerStatusOf, type ContainerStatus, type PodDoc } from './pod-status.ts';

export type { TrackerTarget } from './container-instances.ts';
export type { PodDoc } from './pod-status.ts';

export interface TrackerOptions {
  /** A follow silent this long is probed for a stall. */
  silenceMs: number;
  /** How often a container with nothing to read is looked at again (besides pod events). */
  pollMs: number;
  /** First read of an instance never read before: only lines from this time on (epoch ms). */
  sinceMs?: number;
}

export interface TrackerDeps {
  client: KubeClient;
  store: CollectorStore;
  writer: BatchWriter;
  formats: ContainerFormats;
  history?: ClusterHistory;
  counters: CollectorCounters;
  options: TrackerOptions;
}

export type TrackerState = 'starting' | 'following' | 'reading' | 'waiting' | 'retrying' | 'no format' | 'done';

interface ReadPlan {
  containerId: string;
  previous: boolean;
  follow: boolean;
}

type Outcome = 'ok' | 'retry' | 'gone';

/** Epoch ms of a kubelet stamp. */
const msOf = (stamp: string) => Date.parse(`${stamp.slice(0, 23)}Z`);

export class ContainerTracker {
  state: TrackerState = 'starting';
  /** The instance being read. */
  containerId?: string;
  /** Where the container's format came from. */
  get formatOrigin(): string | undefined {
    return this.classifier.origin;
  }
  lines = 0;
  lastLineAt?: number;
  lastError?: string;
  private readonly abort = new AbortController();
  private wakeUp?: () => void;
  private readonly instances: ContainerInstances;
  private readonly classifier: ContainerLines;
  /** The pod as the collector's watch last saw it (its status outlives the pod's deletion here). */
  private lastSeen?: PodDoc;
  /** A Retry-After the API asked for with its last error. */
  private retryAfterMs = 0;
  private readonly backoff = new Backoff({ initialMs: 200, maxMs: 20_000 });
  private readonly podPath: string;
  private readonly logPath: string;

  constructor(
    readonly target: TrackerTarget,
    private readonly d: TrackerDeps,
  ) {
    const ns = encodeURIComponent(target.namespace);
    const pod = encodeURIComponent(target.pod);
    this.podPath = `/api/v1/namespaces/${ns}/pods/${pod}`;
    this.logPath = `${this.podPath}/log`;
    this.instances = new ContainerInstances(target, d, (kind, err) => this.fail(kind, err));
    this.classifier = new ContainerLines(d.formats, target.container, () => d.client.getJson<PodDoc>(this.podPath), (message) => {
      this.lastError = message;
      d.counters.error('format', `${this.describe()}: ${message}`);
    });
  }

  get key(): string {
    return `${this.target.podUid}/${this.target.container}`;
  }

  /** Something changed in the pod (the watch's view of it, when given): look again now instead of at the next poll. */
  wake(pod?: PodDoc): void {
    if (pod) this.lastSeen = pod;
    this.wakeUp?.();
  }

  stop(): void {
    this.abort.abort();
    this.wakeUp?.();
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  async run(): Promise<void> {
    try {
      while (!this.stopped) {
        let outcome: Outcome;
        try {
          outcome = await this.step();
        } catch (err) {
          // Whatever failed (the store, the API, a bug), the container is not given up: it is tried again.
          if (this.stopped) break;
          this.fail('tracker', err);
          outcome = 'retry';
        }
        if (outcome === 'gone') break;
        if (outcome === 'retry' && !this.stopped) {
          this.state = 'retrying';
          this.d.counters.reconnects++;
          await sleep(this.backoff.next(this.retryAfterMs), this.abort.signal);
          this.retryAfterMs = 0;
        }
      }
    } finally {
      this.state = 'done';
    }
  }

  private async step(): Promise<Outcome> {
    // Every step looks at the store again: collectors sharing the database may have read further, or finished an
    // instance; resuming from their position keeps one numbering of the lines and records no gap they filled.
    await this.instances.refresh();
    let pod: PodDoc;
    try {
      pod = await this.d.client.getJson<PodDoc>(this.podPath);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return this.podGone();
      this.fail('pod', err);
      return 'retry';
    }
    if (pod.metadata.uid !== this.target.podUid) return this.podGone();
    this.lastSeen = pod;
    const cs = this.statusOf(pod);
    if (!cs) {
      this.state = 'waiting';
      await this.wait(this.d.options.pollMs);
      return 'ok';
    }
    if (!this.classifier.ready && !(await this.classifier.load(pod))) {
      this.state = 'no format';
      await this.wait(Math.max(5000, this.d.options.pollMs));
      return 'ok';
    }
    this.instances.noteUnreachable(cs);
    const plan = this.nextRead(cs);
    if (!plan) {
      this.state = 'waiting';
      await this.wait(this.d.options.pollMs);
      return 'ok';
    }
    return this.read(pod, plan);
  }

  private statusOf(pod: PodDoc | undefined): ContainerStatus | undefined {
    return containerStatusOf(pod, this.target.container);
  }

  /** Which instance to read next: a stopped one not yet finished first, then the running one. */
  private nextRead(cs: ContainerStatus): ReadPlan | undefined {
    const done = (id: string | undefined) => this.instances.finished(id);
    const prev = cs.lastState?.terminated?.containerID;
    const terminated = cs.state?.terminated?.containerID;
    if (prev && !done(prev)) return { containerId: prev, previous: true, follow: false };
    if (cs.state?.running && cs.containerID && !done(cs.containerID)) return { containerId: cs.containerID, previous: false, follow: true };
    if (terminated && !done(terminated)) return { containerId: terminated, previous: false, follow: false };
    return undefined;
  }

  /** The pod is gone: unfinished instances are settled (finished or gaps), and the tracker ends. */
  private async podGone(): Promise<Outcome> {
    await this.instances.refresh().catch((err: unknown) => this.fail('store', err));
    this.instances.podGone(this.statusOf(this.lastSeen));
    return 'gone';
  }

  /** The pod went away while this tracker waited to start. */
  neverRead(detail: string): void {
    void this.instances
      .refresh()
      .catch((err: unknown) => this.fail('store', err))
      .then(() => this.instances.neverRead(this.statusOf(this.lastSeen), detail));
  }

  /** Whether the status still shows the planned instance where the request found it. */
  private async confirm(plan: ReadPlan): Promise<boolean | 'gone'> {
    let pod: PodDoc;
    try {
      pod = await this.d.client.getJson<PodDoc>(this.podPath);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return 'gone';
      return false;
    }
    if (pod.metadata.uid !== this.target.podUid) return 'gone';
    const cs = this.statusOf(pod);
    if (!cs) return false;
    if (plan.previous) return cs.lastState?.terminated?.containerID === plan.containerId;
    if (plan.follow) return !!cs.state?.running && cs.containerID === plan.containerId;
    return cs.state?.terminated?.containerID === plan.containerId;
  }

  private query(plan: ReadPlan, extra: Query): Query {
    return { container: this.target.container, timestamps: true, ...(plan.previous ? { previous: true } : {}), ...extra };
  }

  private async read(pod: PodDoc, plan: ReadPlan): Promise<Outcome> {
    const i = await this.instances.open(plan.containerId, this.classifier.current, this.d.options.sinceMs);
    this.containerId = plan.containerId;
    this.state = plan.follow ? 'following' : 'reading';
    const wmAtStart = i.wm;
    // A first read starts at the log's beginning even with --since: the lines before it are counted, not stored
    // (consume), so the numbering is the same for every collector, whenever it started.
    const since = wmAtStart ? resumeSince(wmAtStart) : undefined;
    const ctl = new AbortController();
    const onStop = () => ctl.abort();
    // Stopped while this read was being planned: the abort event has fired already, so nothing would end the follow.
    if (this.stopped) return 'ok';
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    let stalled = false;
    let silence: NodeJS.Timeout | undefined;
    let delivered = false;
    // Until this read ends cleanly, the instance is not known to be drained.
    i.lastEnd = 'broken';
    try {
      let body;
      try {
        ({ body } = await this.d.client.stream(this.logPath, this.query(plan, { follow: plan.follow, ...(since ? { sinceTime: since } : {}) }), ctl.signal));
      } catch (err) {
        if (this.stopped) return 'ok';
        // 400: the instance moved on between the status and the request (waiting, no previous): look again.
        if (err instanceof KubeApiError && err.status === 404) return this.podGone();
        if (!(err instanceof KubeApiError && err.status === 400)) this.fail('log', err);
        return 'retry';
      }
      const liveSince = plan.follow ? Date.now() : undefined;
      const confirmed = await this.confirm(plan);
      if (confirmed === 'gone') return this.podGone();
      if (!confirmed) return 'retry';
      this.d.counters.streamsOpened++;
      const filter = new ResumeFilter(wmAtStart);
      const splitter = new LineSplitter();
      // The resumed stream must begin at or before the watermark when the file still holds the watermark's line;
      // a first line after it means the file was rotated since and what lay between is gone.
      let first = wmAtStart === null;
      const checkFirst = (line: string) => {
        if (first) return;
        const stamp = parseKubeletLine(line)?.time;
        if (!stamp) return;
        first = true;
        if (stamp > wmAtStart!.time) {
          this.instances.gap(i, wmAtStart!.time, stamp, 'rotated', `the log of instance ${i.containerId} was rotated while envoy-lens was away; lines between are not in the current file`);
        }
      };
      const arm = () => {
        clearTimeout(silence);
        if (!plan.follow) return;
        silence = setTimeout(() => {
          void this.probeStall(plan, i).then((isStalled) => {
            if (isStalled) {
              stalled = true;
              this.d.counters.stalls++;
              ctl.abort();
            } else if (!ctl.signal.aborted) arm();
          });
        }, this.d.options.silenceMs);
      };
      arm();
      for await (const chunk of body) {
        arm();
        for (const line of splitter.push(chunk as Buffer)) {
          checkFirst(line);
          if (await this.consume(i, filter, line, liveSince)) delivered = true;
        }
        if (this.d.writer.full) await this.d.writer.drained();
      }
      clearTimeout(silence);
      i.lastEnd = 'clean';
      if (plan.follow) {
        // A follow that ends at once with nothing is the kubelet seeing an exit the status does not show yet.
        if (!delivered) await sleep(this.backoff.next(), this.abort.signal);
        else this.backoff.reset();
        return 'ok';
      }
      // A plain read: the instance is finished when a read brings nothing new; its last line may lack a newline, so
      // a tail is taken only when two reads end with the same one (a cut in the middle of a line would not).
      const tail = splitter.end();
      if (!delivered && tail === (i.tail ?? '')) {
        if (tail) {
          checkFirst(tail);
          await this.consume(i, filter, tail);
        }
        i.tail = undefined;
        this.instances.finish(i);
        this.backoff.reset();
      } else i.tail = tail;
      return 'ok';
    } catch (err) {
      clearTimeout(silence);
      if (this.stopped) return 'ok';
      if (!stalled) this.fail('stream', err);
      // A stream that brought lines before it broke was progress: reconnect soon, not after a grown back-off.
      if (delivered) this.backoff.reset();
      return 'retry';
    } finally {
      clearTimeout(silence);
      this.abort.signal.removeEventListener('abort', onStop);
      ctl.abort();
    }
  }

  /** One line of the stream; true when it was new (not covered by the watermark). */
  private async consume(i: Instance, filter: ResumeFilter, line: string, liveSince?: number): Promise<boolean> {
    const parsed = parseKubeletLine(line);
    const c = this.d.counters;
    if (!parsed) {
      // Not a kubelet line at all (no stamp): it cannot be placed against the watermark, so it is kept as rejected.
      if (line === '') return false;
      i.linesRead++;
      c.linesRead++;
      c.rejected++;
      this.d.writer.reject(i.sourceId, { seq: i.linesRead, reason: 'the kubelet line has no timestamp', column: 1, raw: line }, this.instances.checkpoint(i));
      return true;
    }
    if (filter.covered(parsed.time)) {
      c.resumedOver++;
      return false;
    }
    if (i.skipBefore !== undefined && parsed.time < i.skipBefore) {
      i.wm = advance(i.wm, parsed.time);
      i.linesRead++;
      this.d.writer.skip(i.sourceId, this.instances.checkpoint(i));
      return true;
    }
    const verdict = await this.classifier.classify(parsed.text);
    this.instances.lineRead(parsed.time);
    i.wm = advance(i.wm, parsed.time);
    i.linesRead++;
    c.linesRead++;
    this.lines++;
    this.lastLineAt = Date.now();
    const seq = i.linesRead;
    const after = this.instances.checkpoint(i);
    switch (verdict.kind) {
      case 'record': {
        const logTime = msOf(parsed.time);
        c.records++;
        this.d.writer.record(i.sourceId, { seq, record: verdict.record, logTime, ...this.attribution(verdict.record, logTime) }, after, liveSince);
        break;
      }
      case 'other':
        c.otherLines++;
        this.d.writer.other(i.sourceId, after);
        break;
      case 'rejected':
        c.rejected++;
        this.d.writer.reject(i.sourceId, { seq, reason: verdict.reason, column: verdict.column, raw: parsed.text }, after);
        break;
    }
    return true;
  }

  private attribution(record: AccessRecord, logTime: number) {
    if (!this.d.history) return {};
    return { attribution: this.d.history.attribute(record, logTime, { namespace: this.target.namespace, pod: this.target.pod }) };
  }

  /**
   * A follow silent for a while: if the pod is gone or the instance no longer runs, the stream is done for; else a
   * plain read from the watermark that finds a line the follow has not delivered means the follow is stalled.
   */
  private async probeStall(plan: ReadPlan, i: Instance): Promise<boolean> {
    if ((await this.confirm(plan)) !== true) return true;
    const wmAtStart = i.wm;
    const ctl = new AbortController();
    try {
      const { body } = await this.d.client.stream(this.logPath, this.query(plan, wmAtStart ? { sinceTime: resumeSince(wmAtStart) } : {}), ctl.signal);
      const filter = new ResumeFilter(wmAtStart);
      const splitter = new LineSplitter();
      for await (const chunk of body) {
        for (const line of splitter.push(chunk as Buffer)) {
          const p = parseKubeletLine(line);
          if (!p || filter.covered(p.time)) continue;
          // A line past the watermark: stalled, unless the follow delivered it meanwhile.
          return !i.wm || p.time > i.wm.time;
        }
      }
      return false;
    } catch {
      return false;
    } finally {
      ctl.abort();
    }
  }

  private describe(): string {
    return `${this.target.namespace}/${this.target.pod} ${this.target.container}`;
  }

  private fail(kind: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof KubeApiError && err.retryAfterMs) this.retryAfterMs = err.retryAfterMs;
    this.lastError = message;
    this.d.counters.error(kind, `${this.describe()}: ${message}`);
  }
}
