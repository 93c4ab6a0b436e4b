// The instances of one container that the collector knows: each a source with its watermark and lines read, loaded
// from the store after a restart; whether each was read to its end; and the gaps recorded when one could not be.
import type { FormatSpec } from '../envoy/compile-format.ts';
import { formatText } from '../envoy/format-text.ts';
import type { CollectorStore, GapReason } from '../store/collector-store.ts';
import type { BatchWriter, SourceCheckpoint } from './batch-writer.ts';
import type { CollectorCounters } from './collector-counters.ts';
import type { ContainerStatus } from './pod-status.ts';
import type { Watermark } from './watermark.ts';

export interface TrackerTarget {
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
}

export interface Instance {
  containerId: string;
  sourceId: number;
  linesRead: number;
  wm: Watermark | null;
  finished: boolean;
  /** How the last attempt to read this instance ended: a failed reconnect after a clean end counts as broken. */
  lastEnd: 'clean' | 'broken' | 'none';
  /** A plain read's last line without a newline, taken only when a second read ends with the same text. */
  tail?: string;
  /**
   * Kubelet stamp (9 fraction digits) before which lines are consumed but not stored: `--since` for an instance first
   * read by this collector. The lines are still counted, so every collector numbers the instance's lines alike.
   */
  skipBefore?: string;
}

/** Epoch ms as a kubelet-style stamp (9 fraction digits), comparable with the stamps of lines. */
const stampOfMs = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '000000Z');

/** RFC3339 whole seconds (a pod status time) as a kubelet-style stamp, for gap bounds. */
const stampOf = (iso: string): string => `${iso.replace(/Z$/, '').replace(/\.\d+$/, '')}.000000000Z`;

export class ContainerInstances {
  private readonly instances = new Map<string, Instance>();
  /**
   * An unreachable-instance gap, stored at once with a bound from the pod status (whole seconds), narrowed to the
   * first line read after it.
   */
  private openGap?: Promise<number | undefined>;

  constructor(
    private readonly target: TrackerTarget,
    private readonly d: { store: CollectorStore; writer: BatchWriter; counters: CollectorCounters },
    private readonly fail: (kind: string, err: unknown) => void,
  ) {}

  /**
   * The instances earlier runs stored for this container, with their watermarks; called again, whatever the store
   * holds further along than this collector: instances other collectors sharing the database opened, positions they
   * committed past this one's, instances they read to the end. Position and watermark are taken together (they are
   * committed together), so the numbering goes on exactly where theirs stopped. Called between reads only: a stream
   * being read keeps the position it started from.
   */
  async refresh(): Promise<void> {
    for (const known of await this.d.store.instancesOf(this.target.podUid, this.target.container)) {
      const cp = known.checkpoint;
      const i = this.instances.get(known.containerId);
      if (!i) {
        this.instances.set(known.containerId, {
          containerId: known.containerId, sourceId: known.sourceId, linesRead: cp?.linesRead ?? 0,
          wm: cp?.watermark ? { time: cp.watermark, count: cp.watermarkCount } : null, finished: cp?.finished ?? false, lastEnd: 'none',
        });
        continue;
      }
      if (!cp) continue;
      if (cp.linesRead > i.linesRead) {
        i.linesRead = cp.linesRead;
        i.wm = cp.watermark ? { time: cp.watermark, count: cp.watermarkCount } : null;
        i.tail = undefined;
      }
      if (cp.finished && !i.finished) {
        i.finished = true;
        i.tail = undefined;
      }
    }
  }

  finished(containerId: string | undefined): boolean {
    return !containerId || this.instances.get(containerId)?.finished === true;
  }

  /** The instance's source, opened (and stored) on first use; `sinceMs` applies to an instance nobody read yet. */
  async open(containerId: string, format: FormatSpec, sinceMs?: number): Promise<Instance> {
    const known = this.instances.get(containerId);
    if (known) {
      if (sinceMs !== undefined && known.linesRead === 0 && !known.wm && known.skipBefore === undefined) known.skipBefore = stampOfMs(sinceMs);
      return known;
    }
    const t = this.target;
    const { sourceId, checkpoint } = await this.d.store.openSource({
      key: `pod:${t.podUid}/${t.container}/${containerId}`, kind: 'pod', namespace: t.namespace, pod: t.pod, container: t.container,
      podUid: t.podUid, containerId, location: `${t.namespace}/${t.pod}/${t.container}`, format: formatText(format),
    });
    const i: Instance = {
      containerId, sourceId, linesRead: checkpoint?.linesRead ?? 0, finished: checkpoint?.finished ?? false, lastEnd: 'none',
      wm: checkpoint?.watermark ? { time: checkpoint.watermark, count: checkpoint.watermarkCount } : null,
      ...(sinceMs !== undefined && !checkpoint?.linesRead ? { skipBefore: stampOfMs(sinceMs) } : {}),
    };
    this.instances.set(containerId, i);
    return i;
  }

  checkpoint(i: Instance): SourceCheckpoint {
    return { linesRead: i.linesRead, watermark: i.wm?.time ?? null, watermarkCount: i.wm?.count ?? 0 };
  }

  /** The instance was read to its end (or given up with a gap): committed with its last checkpoint. */
  finish(i: Instance): void {
    i.finished = true;
    this.d.writer.finish(i.sourceId, this.checkpoint(i));
  }

  gap(i: Instance | null, fromTime: string | null, toTime: string | null, reason: GapReason, detail: string, containerId = i?.containerId): Promise<number | undefined> {
    this.d.counters.gaps++;
    const t = this.target;
    return this.d.store
      .recordGap({ sourceId: i?.sourceId ?? null, namespace: t.namespace, pod: t.pod, podUid: t.podUid, container: t.container, containerId: containerId ?? null, fromTime, toTime, reason, detail })
      .catch((err: unknown) => {
        this.fail('store', err);
        return undefined;
      });
  }

  /** Instances not finished that the kubelet no longer serves (two restarts in one outage): their tails are lost. */
  noteUnreachable(cs: ContainerStatus): void {
    const visible = new Set([cs.containerID, cs.lastState?.terminated?.containerID, cs.state?.terminated?.containerID].filter(Boolean));
    for (const i of this.instances.values()) {
      if (i.finished || visible.has(i.containerId)) continue;
      // Whatever ran before the oldest instance still visible is lost too: up to a second after it started.
      const started = cs.lastState?.terminated?.startedAt ?? cs.state?.running?.startedAt ?? cs.state?.terminated?.startedAt;
      this.openGap = this.gap(i, i.wm?.time ?? null, started ? stampOf(new Date(Date.parse(started) + 1000).toISOString()) : null, 'instance-unreachable',
        `instance ${i.containerId} is no longer served by the kubelet (it keeps one stopped instance): the container restarted at least twice while envoy-lens could not read it`);
      this.finish(i);
    }
  }

  /** A line was read: an open gap ends there. */
  lineRead(stamp: string): void {
    const g = this.openGap;
    if (!g) return;
    this.openGap = undefined;
    void g.then((id) => (id === undefined ? undefined : this.d.store.setGapEnd(id, stamp))).catch((err: unknown) => this.fail('store', err));
  }

  /**
   * The pod is gone. An instance is complete only if its follow ended cleanly after the watch saw it stop (the
   * kubelet drains a follow when the container stops); any other unfinished instance leaves a gap from its
   * watermark. A container that ran but was never read at all is a gap of its own.
   */
  podGone(last: ContainerStatus | undefined): void {
    this.openGap = undefined;
    const stopped = (id: string) => last?.state?.terminated?.containerID === id || last?.lastState?.terminated?.containerID === id;
    for (const i of this.instances.values()) {
      if (i.finished) continue;
      if (!(i.lastEnd === 'clean' && stopped(i.containerId))) {
        this.gap(i, i.wm?.time ?? null, null, 'pod-deleted', `the pod was deleted before instance ${i.containerId} was read to its end`);
      }
      this.finish(i);
    }
    if (this.instances.size === 0) this.neverRead(last, 'the pod was deleted before envoy-lens could read its log');
  }

  /** The pod went away before anything was read (it waited for a stream slot, or lived briefly). */
  neverRead(last: ContainerStatus | undefined, detail: string): void {
    const ran = last?.containerID ?? last?.lastState?.terminated?.containerID;
    // Another collector sharing the database may have read it to the end.
    if (ran && !this.instances.get(ran)?.finished) this.gap(null, null, null, 'not-followed', detail, ran);
  }
}
