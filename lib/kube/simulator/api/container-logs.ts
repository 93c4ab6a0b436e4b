// Per-container-instance logs, as the kubelet and the container runtime keep them. Every instance of a container (one
// per start, named by its containerID) has its own append-only log; the API reaches an instance only through the IDs
// in the pod's status, and the kubelet keeps one dead instance per container (--maximum-dead-containers-per-container
// default 1), so two restarts lose the middle instance. A follow stream is bound to one instance and ends when that
// instance stops. The log of an instance is split into files: rotation starts a new current file, and only the current
// file is served (tailLines and sinceTime never reach rotated files, kubernetes/kubernetes#59902).
import type { LogLine } from '../kube-object.ts';

export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
  /** The pod's uid, when known: a pod name can come back with a new uid. */
  podUid?: string;
}

export interface LogSubscriber {
  onLine(line: LogLine): void;
  onEnd(): void;
}

/** The kubelet's log rotation settings (containerLogMaxSize 10Mi, containerLogMaxFiles 5). */
export interface RotationLimits {
  maxFileBytes: number;
  maxFiles: number;
}

export const DEFAULT_ROTATION: RotationLimits = { maxFileBytes: 10 * 1024 * 1024, maxFiles: 5 };

export class ContainerInstance {
  /** Retained records, oldest first: the rotated files still kept, then the current file. */
  readonly lines: LogLine[] = [];
  /** Index into `lines` where each retained file starts; the last one is the current file. */
  private fileStarts: number[] = [0];
  private currentBytes = 0;
  private readonly subscribers = new Set<LogSubscriber>();
  private stopped = false;
  /** Records written over the instance's life, including those rotated out of retention. */
  written = 0;
  /** Records lost to retention (rotated files beyond maxFiles deleted). */
  dropped = 0;
  finishedAt?: string;
  exitCode?: number;

  constructor(
    readonly ref: ContainerRef,
    readonly containerID: string,
    readonly restartCount: number,
    readonly startedAt: string,
    private readonly limits: RotationLimits = DEFAULT_ROTATION,
  ) {}

  get running(): boolean {
    return !this.stopped;
  }

  /** The records of the current log file: what the log endpoint serves. */
  currentFile(): LogLine[] {
    return this.lines.slice(this.fileStarts[this.fileStarts.length - 1]);
  }

  /** Absolute index (counting records deleted with old files) of the first record of the current file. */
  get currentFileStart(): number {
    return this.dropped + this.fileStarts[this.fileStarts.length - 1]!;
  }

  /** Absolute index one past the last record written. */
  get end(): number {
    return this.dropped + this.lines.length;
  }

  /** The record at an absolute index; undefined when deleted with an old file or not written yet. */
  at(index: number): LogLine | undefined {
    const i = index - this.dropped;
    return i >= 0 ? this.lines[i] : undefined;
  }

  /** Time of the last record, '' before any. */
  get lastTime(): string {
    return this.lines[this.lines.length - 1]?.time ?? '';
  }

  /**
   * Appends one record. A runtime stamps records in the order it reads them, so a time earlier than the last one is
   * raised to it (equal stamps stay possible, as with a coarse clock).
   */
  append(line: LogLine): LogLine {
    if (this.stopped) throw new Error(`container ${describe(this.ref)} (${this.containerID}) has stopped`);
    const last = this.lastTime;
    const stored = line.time < last ? { ...line, time: last } : line;
    this.lines.push(stored);
    this.written++;
    this.currentBytes += stored.text.length + 40;
    for (const s of [...this.subscribers]) s.onLine(stored);
    if (this.currentBytes >= this.limits.maxFileBytes) this.rotate();
    return stored;
  }

  /** Starts a new current file; files beyond maxFiles are deleted, oldest first. Follow streams are unaffected. */
  rotate(): void {
    this.fileStarts.push(this.lines.length);
    this.currentBytes = 0;
    while (this.fileStarts.length > this.limits.maxFiles) {
      const cut = this.fileStarts[1]!;
      this.lines.splice(0, cut);
      this.dropped += cut;
      this.fileStarts = this.fileStarts.slice(1).map((i) => i - cut);
    }
  }

  /** Marks the instance stopped and ends every follow stream bound to it. Idempotent. */
  stop(finishedAt: string, exitCode = 0): void {
    if (this.stopped) return;
    this.stopped = true;
    this.finishedAt = finishedAt;
    this.exitCode = exitCode;
    const subs = [...this.subscribers];
    this.subscribers.clear();
    for (const s of subs) s.onEnd();
  }

  /** Subscribe to records appended from now on; a stopped instance ends the subscriber at once. */
  subscribe(s: LogSubscriber): () => void {
    if (this.stopped) {
      s.onEnd();
      return () => {};
    }
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }
}

function describe(ref: ContainerRef): string {
  return `${ref.namespace}/${ref.pod}/${ref.container}`;
}

/** Formats a time as RFC3339NanoFixed (always 9 fraction digits, UTC `Z`), the CRI log timestamp format. */
export function formatLogTime(ms: number, extraNanos = 0): string {
  const whole = Math.floor(ms);
  const nanos = Math.round((ms - whole) * 1e6) + extraNanos;
  const iso = new Date(whole + Math.floor(nanos / 1e6)).toISOString(); // 2025-01-01T00:00:00.123Z
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}${String(nanos % 1e6).padStart(6, '0')}Z`;
}

export interface ContainerLogsOptions {
  /** Wall clock in ms, for records appended without a time. */
  now?: () => number;
  /** Dead instances kept per container (kubelet default 1). */
  maxDeadPerContainer?: number;
  rotation?: RotationLimits;
  /** Records kept, over all instances no longer reachable, as the ground truth of what was written. */
  archiveLimit?: number;
}

export class ContainerLogs {
  /** Reachable instances per container, oldest first. */
  private readonly slots = new Map<string, ContainerInstance[]>();
  private readonly byContainerId = new Map<string, ContainerInstance>();
  /** Instances the kubelet no longer has (garbage-collected, pod deleted): kept only as ground truth. */
  private readonly archived: ContainerInstance[] = [];
  private archivedLines = 0;
  private readonly now: () => number;
  private readonly maxDead: number;
  private readonly archiveLimit: number;
  readonly rotation: RotationLimits;
  private lastMs = 0;
  private sameMsCount = 0;

  constructor(options: ContainerLogsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxDead = options.maxDeadPerContainer ?? 1;
    this.rotation = options.rotation ?? DEFAULT_ROTATION;
    this.archiveLimit = options.archiveLimit ?? 2_000_000;
  }

  /** A time stamp for a new record: strictly increasing, so records keep their order when compared by time. */
  nextTime(): string {
    const ms = this.now();
    if (ms === this.lastMs) this.sameMsCount++;
    else {
      this.lastMs = ms;
      this.sameMsCount = 0;
    }
    return formatLogTime(ms, this.sameMsCount * 1000);
  }

  /**
   * Starts a new instance of a container (a running one is stopped first). Dead instances beyond the kubelet's
   * limit are garbage-collected, oldest first.
   */
  start(ref: ContainerRef, containerID: string, startedAt = this.nextTime()): ContainerInstance {
    if (this.byContainerId.has(containerID)) throw new Error(`container ID ${containerID} is already in use`);
    const list = this.slots.get(describe(ref)) ?? [];
    const last = list[list.length - 1];
    if (last?.running) last.stop(startedAt, 0);
    const instance = new ContainerInstance(ref, containerID, last ? last.restartCount + 1 : 0, startedAt, this.rotation);
    list.push(instance);
    this.slots.set(describe(ref), list);
    this.byContainerId.set(containerID, instance);
    while (list.filter((i) => !i.running).length > this.maxDead) {
      const gone = list.findIndex((i) => !i.running);
      this.forget(list.splice(gone, 1)[0]!);
    }
    return instance;
  }

  byId(containerID: string): ContainerInstance | undefined {
    return this.byContainerId.get(containerID);
  }

  /** The newest instance of a container, running or not. */
  current(ref: ContainerRef): ContainerInstance | undefined {
    const list = this.slots.get(describe(ref));
    return list?.[list.length - 1];
  }

  /** Appends one record to the running instance of a container; `time` defaults to now. */
  append(ref: ContainerRef, text: string, time?: string): LogLine {
    const instance = this.current(ref);
    if (!instance?.running) throw new Error(`container ${describe(ref)} is not running`);
    return instance.append({ time: time ?? this.nextTime(), text });
  }

  /** Pod deleted: every instance of its containers stops and becomes unreachable. */
  removePod(namespace: string, pod: string, finishedAt = this.nextTime()): void {
    for (const [k, list] of this.slots) {
      const ref = list[0]?.ref;
      if (!ref || ref.namespace !== namespace || ref.pod !== pod) continue;
      for (const instance of list) {
        instance.stop(finishedAt, 0);
        this.forget(instance);
      }
      this.slots.delete(k);
    }
  }

  /** Instances the API can reach. */
  reachable(): ContainerInstance[] {
    return [...this.slots.values()].flat();
  }

  /** Every instance ever started and still held in memory: the ground truth of what containers wrote. */
  all(): ContainerInstance[] {
    return [...this.archived, ...this.reachable()];
  }

  /** Number of open follow streams, for concurrency tests. */
  get openFollowers(): number {
    let n = 0;
    for (const instance of this.reachable()) n += instance.subscriberCount;
    return n;
  }

  private forget(instance: ContainerInstance): void {
    this.byContainerId.delete(instance.containerID);
    this.archived.push(instance);
    this.archivedLines += instance.lines.length;
    while (this.archivedLines > this.archiveLimit && this.archived.length > 1) {
      this.archivedLines -= this.archived.shift()!.lines.length;
    }
  }
}
