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
import { formatText } from '../envoy/format-text.ts';
import type { CollectorStore } from '../store/collector-store.ts';
import { AccessLineReader } from './access-line-reader.ts';
import { Backoff, sleep } from './backoff.ts';
import type { BatchWriter, SourceCheckpoint } from './batch-writer.ts';
import type { ClusterHistory } from './cluster-history.ts';
import type { CollectorCounters } from './collector-counters.ts';
import type { ContainerFormats } from './container-format.ts';
import { KubeApiError, type KubeClient, type Query } from './kube-client.ts';
import { parseKubeletLine } from './kubelet-log-line.ts';
import { LineSplitter } from './line-splitter.ts';
import { advance, ResumeFilter, resumeSince, type Watermark } from './watermark.ts';

export interface TrackerTarget {
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
}

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

interface Instance {
  containerId: string;
  sourceId: number;
  linesRead: number;
  wm: Watermark | null;
  finished: boolean;
  /** How the last attempt to read this instance ended: a failed reconnect after a clean end counts as broken. */
  lastEnd: 'clean' | 'broken' | 'none';
  /** A plain read's last line without a newline, taken only when a second read ends with the same text. */
  tail?: string;
}

interface ReadPlan {
  containerId: string;
  previous: boolean;
  follow: boolean;
}

interface ContainerStatus {
  name: string;
  containerID?: string;
  state?: { running?: { startedAt?: string }; waiting?: { reason?: string }; terminated?: { containerID?: string; startedAt?: string; finishedAt?: string } };
  lastState?: { terminated?: { containerID?: string; startedAt?: string; finishedAt?: string } };
}

export interface PodDoc {
  metadata: { name: string; namespace?: string; uid?: string };
  spec?: unknown;
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}

type Outcome = 'ok' | 'retry' | 'gone';

/** RFC3339 whole seconds (a pod status time) as a kubelet-style stamp, for gap bounds. */
const stampOf = (iso: string | undefined): string | null => (iso ? `${iso.replace(/Z$/, '').replace(/\.\d+$/, '')}.000000000Z` : null);

/** Epoch ms of a kubelet stamp. */
const msOf = (stamp: string) => Date.parse(`${stamp.slice(0, 23)}Z`);

export class ContainerTracker {
  state: TrackerState = 'starting';
  /** The instance being read. */
  containerId?: string;
  lines = 0;
  lastLineAt?: number;
  lastError?: string;
  formatOrigin?: string;
  private readonly abort = new AbortController();
  private wakeUp?: () => void;
  private readonly instances = new Map<string, Instance>();
  private reader?: AccessLineReader;
  private lastFormatRefresh = 0;
  /**
   * A gap whose end is the first line of the next instance read: the status gives start times in whole seconds only,
   * too coarse to bound what the lost instance wrote.
   */
  private openGap?: { id: Promise<number | undefined> };
  /** The pod as the collector's watch last saw it (its status outlives the pod's deletion here). */
  private lastSeen?: PodDoc;
  private loaded = false;
  /** A Retry-After the API asked for with its last error. */
  private retryAfterMs = 0;
  private readonly backoff = new Backoff({ initialMs: 500, maxMs: 20_000 });
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

  /** The instances earlier runs stored for this container, with their watermarks. */
  private async loadKnown(): Promise<void> {
    if (this.loaded) return;
    for (const known of await this.d.store.instancesOf(this.target.podUid, this.target.container)) {
      const cp = known.checkpoint;
      this.instances.set(known.containerId, {
        containerId: known.containerId, sourceId: known.sourceId, linesRead: cp?.linesRead ?? 0,
        wm: cp?.watermark ? { time: cp.watermark, count: cp.watermarkCount } : null, finished: cp?.finished ?? false, lastEnd: 'none',
      });
    }
    this.loaded = true;
  }

  private async step(): Promise<Outcome> {
    await this.loadKnown();
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
    if (!this.reader && !(await this.loadFormat(pod))) {
      this.state = 'no format';
      await this.wait(Math.max(5000, this.d.options.pollMs));
      return 'ok';
    }
    this.noteUnreachable(cs);
    const plan = this.nextRead(cs);
    if (!plan) {
      this.state = 'waiting';
      await this.wait(this.d.options.pollMs);
      return 'ok';
    }
    return this.read(pod, plan);
  }

  private statusOf(pod: PodDoc): ContainerStatus | undefined {
    return [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c) => c.name === this.target.container);
  }

  private async loadFormat(pod: PodDoc): Promise<boolean> {
    this.lastFormatRefresh = Date.now();
    const f = await this.d.formats.resolve(pod, this.target.container);
    if (!f.ok) {
      if (this.lastError !== f.error) this.d.counters.error('format', `${this.describe()}: ${f.error}`);
      this.lastError = f.error;
      return false;
    }
    if (!this.reader) this.reader = new AccessLineReader([f.spec]);
    else this.reader.add(f.spec);
    this.formatOrigin = f.origin;
    return true;
  }

  /** Lines that stopped parsing, or an Envoy restart: the ConfigMap may have changed (at most every few seconds). */
  private async refreshFormat(force: boolean): Promise<boolean> {
    if (!force && Date.now() - this.lastFormatRefresh < 5000) return false;
    try {
      const pod = await this.d.client.getJson<PodDoc>(this.podPath);
      const before = this.reader?.formats[0];
      return (await this.loadFormat(pod)) && this.reader!.formats[0] !== before;
    } catch {
      return false;
    }
  }

  /** Which instance to read next: a stopped one not yet finished first, then the running one. */
  private nextRead(cs: ContainerStatus): ReadPlan | undefined {
    const done = (id: string | undefined) => !id || this.instances.get(id)?.finished === true;
    const prev = cs.lastState?.terminated?.containerID;
    const terminated = cs.state?.terminated?.containerID;
    if (prev && !done(prev)) return { containerId: prev, previous: true, follow: false };
    if (cs.state?.running && cs.containerID && !done(cs.containerID)) return { containerId: cs.containerID, previous: false, follow: true };
    if (terminated && !done(terminated)) return { containerId: terminated, previous: false, follow: false };
    return undefined;
  }

  /** An instance not finished that the kubelet no longer serves: its unread tail is lost. */
  private noteUnreachable(cs: ContainerStatus): void {
    const visible = new Set([cs.containerID, cs.lastState?.terminated?.containerID, cs.state?.terminated?.containerID].filter(Boolean));
    for (const i of this.instances.values()) {
      if (i.finished || visible.has(i.containerId)) continue;
      // Stored at once (ending a second after the oldest instance still visible started, as the status gives whole
      // seconds), then narrowed to the first line read from that instance.
      const started = cs.lastState?.terminated?.startedAt ?? cs.state?.running?.startedAt ?? cs.state?.terminated?.startedAt;
      const until = started ? stampOf(new Date(Date.parse(started) + 1000).toISOString()) : null;
      this.openGap = {
        id: this.gap(i, i.wm?.time ?? null, until, 'instance-unreachable',
          `instance ${i.containerId} is no longer served by the kubelet (it keeps one stopped instance): the container restarted at least twice while envoy-lens could not read it`),
      };
      this.finish(i);
    }
  }

  /** Narrows the open gap's end to the first line read after it. */
  private narrowOpenGap(to: string): void {
    const g = this.openGap;
    if (!g) return;
    this.openGap = undefined;
    void g.id.then((id) => (id === undefined ? undefined : this.d.store.setGapEnd(id, to))).catch((err: unknown) => this.fail('store', err));
  }

  /** Whether the watch's last view of the pod showed this instance stopped (so a clean end of its follow drained it). */
  private seenStopped(containerId: string): boolean {
    const cs = this.lastSeen ? this.statusOf(this.lastSeen) : undefined;
    return cs?.state?.terminated?.containerID === containerId || cs?.lastState?.terminated?.containerID === containerId;
  }

  /** The pod is gone. An instance is complete only if its follow ended cleanly after it stopped; else a gap. */
  private podGone(): Outcome {
    this.openGap = undefined;
    const unfinished = [...this.instances.values()].filter((i) => !i.finished);
    for (const i of unfinished) {
      if (!(i.lastEnd === 'clean' && this.seenStopped(i.containerId))) {
        this.gap(i, i.wm?.time ?? null, null, 'pod-deleted', `the pod was deleted before instance ${i.containerId} was read to its end`);
      }
      this.finish(i);
    }
    if (this.instances.size === 0) this.neverRead('the pod was deleted before envoy-lens could read its log');
    return 'gone';
  }

  /**
   * The pod went away before this tracker read anything (it waited for a stream slot, or the pod lived only
   * briefly): if its container ran, what it wrote is a gap.
   */
  neverRead(detail: string): void {
    const cs = this.lastSeen ? this.statusOf(this.lastSeen) : undefined;
    const ran = cs?.containerID ?? cs?.lastState?.terminated?.containerID;
    if (!ran) return;
    const t = this.target;
    this.d.counters.gaps++;
    void this.d.store
      .recordGap({ namespace: t.namespace, pod: t.pod, podUid: t.podUid, container: t.container, containerId: ran, fromTime: null, toTime: null, reason: 'not-followed', detail })
      .catch((err: unknown) => this.fail('store', err));
  }

  private gap(i: Instance, fromTime: string | null, toTime: string | null, reason: 'rotated' | 'instance-unreachable' | 'pod-deleted', detail: string): Promise<number | undefined> {
    this.d.counters.gaps++;
    const t = this.target;
    return this.d.store
      .recordGap({ sourceId: i.sourceId, namespace: t.namespace, pod: t.pod, podUid: t.podUid, container: t.container, containerId: i.containerId, fromTime, toTime, reason, detail })
      .catch((err: unknown) => {
        this.fail('store', err);
        return undefined;
      });
  }

  private finish(i: Instance): void {
    i.finished = true;
    this.d.writer.finish(i.sourceId, this.checkpoint(i));
  }

  private checkpoint(i: Instance): SourceCheckpoint {
    return { linesRead: i.linesRead, watermark: i.wm?.time ?? null, watermarkCount: i.wm?.count ?? 0 };
  }

  private async instance(containerId: string): Promise<Instance> {
    const known = this.instances.get(containerId);
    if (known) return known;
    const t = this.target;
    const { sourceId, checkpoint } = await this.d.store.openSource({
      key: `pod:${t.podUid}/${t.container}/${containerId}`, kind: 'pod', namespace: t.namespace, pod: t.pod, container: t.container,
      podUid: t.podUid, containerId, location: `${t.namespace}/${t.pod}/${t.container}`, format: formatText(this.reader!.formats[0]!),
    });
    const i: Instance = {
      containerId, sourceId, linesRead: checkpoint?.linesRead ?? 0, finished: checkpoint?.finished ?? false, lastEnd: 'none',
      wm: checkpoint?.watermark ? { time: checkpoint.watermark, count: checkpoint.watermarkCount } : null,
    };
    this.instances.set(containerId, i);
    return i;
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
    const i = await this.instance(plan.containerId);
    this.containerId = plan.containerId;
    this.state = plan.follow ? 'following' : 'reading';
    const wmAtStart = i.wm;
    const since = wmAtStart ? resumeSince(wmAtStart) : this.d.options.sinceMs !== undefined && i.linesRead === 0 ? new Date(this.d.options.sinceMs).toISOString() : undefined;
    const ctl = new AbortController();
    const onStop = () => ctl.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    let stalled = false;
    let silence: NodeJS.Timeout | undefined;
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
          this.gap(i, wmAtStart!.time, stamp, 'rotated', `the log of instance ${i.containerId} was rotated while envoy-lens was away; lines between are not in the current file`);
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
      let delivered = false;
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
        this.finish(i);
        this.backoff.reset();
      } else i.tail = tail;
      return 'ok';
    } catch (err) {
      clearTimeout(silence);
      if (this.stopped) return 'ok';
      if (!stalled) this.fail('stream', err);
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
      this.d.writer.reject(i.sourceId, { seq: i.linesRead, reason: 'the kubelet line has no timestamp', column: 1, raw: line }, this.checkpoint(i));
      return true;
    }
    if (filter.covered(parsed.time)) {
      c.resumedOver++;
      return false;
    }
    if (AccessLineReader.announcesRestart(parsed.text)) await this.refreshFormat(true);
    let verdict = this.reader!.read(parsed.text);
    if (verdict.kind === 'rejected' && (await this.refreshFormat(false))) verdict = this.reader!.read(parsed.text);
    if (this.openGap) this.narrowOpenGap(parsed.time);
    i.wm = advance(i.wm, parsed.time);
    i.linesRead++;
    c.linesRead++;
    this.lines++;
    this.lastLineAt = Date.now();
    const seq = i.linesRead;
    const after = this.checkpoint(i);
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
