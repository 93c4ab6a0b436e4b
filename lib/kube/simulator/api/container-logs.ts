// Per-container-instance logs, as the kubelet sees them: each (namespace, pod, container) has a current instance
// and at most one previous one (kubelet keeps one dead container per container by default). A follow stream is
// bound to one instance and ends when that instance stops; it never jumps to the next instance.
import type { LogLine } from '../kube-object.ts';

export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
}

export interface LogSubscriber {
  onLine(line: LogLine): void;
  onEnd(): void;
}

export class ContainerInstance {
  readonly lines: LogLine[] = [];
  private readonly subscribers = new Set<LogSubscriber>();
  private stopped = false;

  constructor(
    readonly ref: ContainerRef,
    readonly restartCount: number,
  ) {}

  get running(): boolean {
    return !this.stopped;
  }

  append(line: LogLine): void {
    if (this.stopped) throw new Error(`container instance ${describe(this.ref)}#${this.restartCount} has stopped`);
    this.lines.push(line);
    for (const s of [...this.subscribers]) s.onLine(line);
  }

  /** Marks the instance stopped and ends every follow stream bound to it. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const subs = [...this.subscribers];
    this.subscribers.clear();
    for (const s of subs) s.onEnd();
  }

  /** Subscribe to lines appended from now on; a stopped instance ends the subscriber at once. */
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

interface ContainerSlot {
  current: ContainerInstance;
  previous?: ContainerInstance;
}

function describe(ref: ContainerRef): string {
  return `${ref.namespace}/${ref.pod}/${ref.container}`;
}

/** Formats a time as RFC3339NanoFixed (always 9 fraction digits, UTC `Z`), the CRI log timestamp format. */
export function formatLogTime(ms: number, extraNanos = 0): string {
  const iso = new Date(ms).toISOString(); // 2025-01-01T00:00:00.123Z
  const fraction = `${iso.slice(20, 23)}${String(extraNanos).padStart(6, '0')}`;
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

export interface ContainerLogsOptions {
  /** Wall clock in ms; tests can pass a virtual clock. */
  now?: () => number;
}

export class ContainerLogs {
  private readonly slots = new Map<string, ContainerSlot>();
  private readonly now: () => number;
  private lastMs = 0;
  private sameMsCount = 0;

  constructor(options: ContainerLogsOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** A time stamp for a new line: strictly increasing, so lines keep their order when compared by time. */
  nextTime(): string {
    const ms = this.now();
    if (ms === this.lastMs) this.sameMsCount++;
    else {
      this.lastMs = ms;
      this.sameMsCount = 0;
    }
    return formatLogTime(ms, this.sameMsCount * 1000);
  }

  /** The running or last instance; created (restartCount 0) on first use. */
  current(ref: ContainerRef): ContainerInstance {
    return this.slot(ref).current;
  }

  previous(ref: ContainerRef): ContainerInstance | undefined {
    return this.slots.get(key(ref))?.previous;
  }

  find(ref: ContainerRef): ContainerSlot | undefined {
    return this.slots.get(key(ref));
  }

  /** Appends one line (without newline) to the current instance; `time` defaults to now. */
  append(ref: ContainerRef, text: string, time?: string): LogLine {
    const line: LogLine = { time: time ?? this.nextTime(), text };
    this.slot(ref).current.append(line);
    return line;
  }

  /** Ends the current instance (its follow streams end cleanly). */
  stopInstance(ref: ContainerRef): void {
    this.slots.get(key(ref))?.current.stop();
  }

  /** Restart: the current instance stops and becomes `previous` (replacing the older one), a new one starts. */
  restart(ref: ContainerRef): ContainerInstance {
    const slot = this.slot(ref);
    slot.current.stop();
    slot.previous = slot.current;
    slot.current = new ContainerInstance(ref, slot.previous.restartCount + 1);
    return slot.current;
  }

  /** Pod deleted: stop and forget every container of that pod. */
  removePod(namespace: string, pod: string): void {
    for (const [k, slot] of this.slots) {
      if (slot.current.ref.namespace === namespace && slot.current.ref.pod === pod) {
        slot.current.stop();
        this.slots.delete(k);
      }
    }
  }

  /** Number of open follow streams, for concurrency tests. */
  get openFollowers(): number {
    let n = 0;
    for (const slot of this.slots.values()) n += slot.current.subscriberCount;
    return n;
  }

  private slot(ref: ContainerRef): ContainerSlot {
    let s = this.slots.get(key(ref));
    if (!s) {
      s = { current: new ContainerInstance(ref, 0) };
      this.slots.set(key(ref), s);
    }
    return s;
  }
}

function key(ref: ContainerRef): string {
  return describe(ref);
}
