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
  /** How the last stream of this instance ended. */
  lastEnd: 'clean' | 'broken' | 'none';
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

interface PodDoc {
  metadata: { name: string; namespace?: string; uid?: string };
  spec?: unknown;
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}

type Outcome = 'ok' | 'retry' | 'gone';

/** RFC3339 whole seconds (a pod status time) as a kubelet-style stamp, for gap bounds. */
const stampOf = (iso: string | undefined): string | null => (iso ? `${iso.replace(/Z$/, '').replace(/\.\d+$/, '')}.000000000Z` : null);
const stampNow = () => new Date().toISOString().replace(/Z$/, '000000Z');

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
  private openGap?: { instance: Instance; from: string | null; fallbackTo: string | null; detail: string };
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

  /** Something changed in the pod: look again now instead of at the next poll. */
  wake(): void {
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
      for (const known of await this.d.store.instancesOf(this.target.podUid, this.target.container)) {
        const cp = known.checkpoint;
        this.instances.set(known.containerId, {
          containerId: known.containerId, sourceId: known.sourceId, linesRead: cp?.linesRead ?? 0,
          wm: cp?.watermark ? { time: cp.watermark, count: cp.watermarkCount } : null, finished: cp?.finished ?? false, lastEnd: 'none',
        });
      }
      while (!this.stopped) {
        const outcome = await this.step();
        if (outcome === 'gone') break;
        if (outcome === 'retry' && !this.stopped) {
          this.state = 'retrying';
          this.d.counters.reconnects++;
          await sleep(this.backoff.next(this.retryAfterMs), this.abort.signal);
          this.retryAfterMs = 0;
        }
      }
    } catch (err) {
      if (!this.stopped) this.fail('tracker', err);
    } finally {
      this.closeOpenGap(null);
      this.state = 'done';
    }
  }

  private async step(): Promise<Outcome> {
    let pod: PodDoc;
    try {
      pod = await this.d.client.getJson<PodDoc>(this.podPath);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return this.podGone();
      this.fail('pod', err);
      return 'retry';
    }
    if (pod.metadata.uid !== this.target.podUid) return this.podGone();
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
      // Up to the first line of the oldest instance still visible: whatever ran before it is lost as well.
      const started = cs.lastState?.terminated?.startedAt ?? cs.state?.running?.startedAt ?? cs.state?.terminated?.startedAt;
      this.closeOpenGap(null);
      this.openGap = {
        instance: i,
        from: i.wm?.time ?? null,
        fallbackTo: started ? stampOf(new Date(Date.parse(started) + 1000).toISOString()) : null,
        detail: `instance ${i.containerId} is no longer served by the kubelet (it keeps one stopped instance): the container restarted at least twice while envoy-lens could not read it`,
      };
      this.finish(i);
    }
  }

  /** Records the open gap, ending at `to` (the first line read after it) or at its fallback. */
  private closeOpenGap(to: string | null): void {
    const g = this.openGap;
    if (!g) return;
    this.openGap = undefined;
    this.gap(g.instance, g.from, to ?? g.fallbackTo, 'instance-unreachable', g.detail);
  }

  /** The pod is gone: instances whose last stream was cut leave a gap from their watermark on. */
  private podGone(): Outcome {
    this.closeOpenGap(null);
    for (const i of this.instances.values()) {
      if (i.finished) continue;
      if (i.lastEnd !== 'clean') {
        this.gap(i, i.wm?.time ?? null, null, 'pod-deleted', `the pod was deleted while its log stream was broken; the rest of instance ${i.containerId} cannot be read`);
      }
      this.finish(i);
    }
    return 'gone';
  }

  private gap(i: Instance, fromTime: string | null, toTime: string | null, reason: 'rotated' | 'instance-unreachable' | 'pod-deleted', detail: string): void {
    this.d.counters.gaps++;
    const t = this.target;
    void this.d.store
      .recordGap({ sourceId: i.sourceId, namespace: t.namespace, pod: t.pod, podUid: t.podUid, container: t.container, containerId: i.containerId, fromTime, toTime, reason, detail })
      .catch((err: unknown) => this.fail('store', err));
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

  /** The stamp of the first record of the instance's current log file, or 'none' when the file is empty. */
  private async firstStamp(plan: ReadPlan): Promise<string | 'none' | undefined> {
    const ctl = new AbortController();
    try {
      const { body } = await this.d.client.stream(this.logPath, this.query(plan, { limitBytes: 64 }), ctl.signal);
      let text = '';
      for await (const chunk of body) text += String(chunk);
      const stamp = /^(\S+) /.exec(text)?.[1];
      return stamp && parseKubeletLine(`${stamp} `) ? stamp : 'none';
    } catch {
      return undefined;
    } finally {
      ctl.abort();
    }
  }

  private async read(pod: PodDoc, plan: ReadPlan): Promise<Outcome> {
    const i = await this.instance(plan.containerId);
    this.containerId = plan.containerId;
    this.state = plan.follow ? 'following' : 'reading';
    // Coming back to an instance: were lines rotated out of its current file meanwhile?
    if (i.wm) {
      const first = await this.firstStamp(plan);
      if (first !== undefined && (first === 'none' || first > i.wm.time)) {
        this.gap(i, i.wm.time, first === 'none' ? stampNow() : first, 'rotated', `the log of instance ${i.containerId} was rotated while envoy-lens was away; lines between are not in the current file`);
      }
    }
    const since = i.wm ? resumeSince(i.wm) : this.d.options.sinceMs !== undefined && i.linesRead === 0 ? new Date(this.d.options.sinceMs).toISOString() : undefined;
    const ctl = new AbortController();
    const onStop = () => ctl.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    let stalled = false;
    let silence: NodeJS.Timeout | undefined;
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
      const filter = new ResumeFilter(i.wm);
      const splitter = new LineSplitter();
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
          if (await this.consume(i, filter, line, liveSince)) delivered = true;
        }
        if (this.d.writer.full) await this.d.writer.drained();
      }
      clearTimeout(silence);
      // A stopped container's last line may lack its newline; in a follow, a tail is a cut line and is read again.
      const tail = splitter.end();
      if (tail && !plan.follow) await this.consume(i, filter, tail);
      i.lastEnd = 'clean';
      if (delivered) this.backoff.reset();
      if (!plan.follow) {
        this.finish(i);
        this.backoff.reset();
      }
      return 'ok';
    } catch (err) {
      clearTimeout(silence);
      if (this.stopped) return 'ok';
      i.lastEnd = 'broken';
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
    if (this.openGap) this.closeOpenGap(parsed.time);
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

  /** A plain read from the watermark: lines beyond it that the follow did not deliver mean the follow is stalled. */
  private async probeStall(plan: ReadPlan, i: Instance): Promise<boolean> {
    const wmAtStart = i.wm;
    const ctl = new AbortController();
    try {
      const extra: Query = { limitBytes: 65_536, ...(wmAtStart ? { sinceTime: resumeSince(wmAtStart) } : {}) };
      const { body } = await this.d.client.stream(this.logPath, this.query(plan, extra), ctl.signal);
      const filter = new ResumeFilter(wmAtStart);
      const splitter = new LineSplitter();
      let newest: string | undefined;
      for await (const chunk of body) {
        for (const line of splitter.push(chunk as Buffer)) {
          const p = parseKubeletLine(line);
          if (p && !filter.covered(p.time)) newest = p.time;
        }
      }
      // Lines the follow has delivered since the probe began are not a stall.
      return newest !== undefined && (!i.wm || newest > i.wm.time);
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
