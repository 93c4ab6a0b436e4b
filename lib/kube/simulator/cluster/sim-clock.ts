// Time for the simulation. Everything that happens later (a container exiting after SIGTERM, a crash-loop back-off,
// a ConfigMap reaching the pod) is a task on one timeline, run in time order by the simulation's step, so a manual
// clock gives the same logs on every run and a real clock gives a live cluster.

export interface Clock {
  now(): number;
}

export const realClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  set(ms: number): void {
    if (ms < this.t) throw new Error(`a manual clock does not go back (${ms} < ${this.t})`);
    this.t = ms;
  }
}

interface Task {
  at: number;
  seq: number;
  run: () => void;
}

export class Timeline {
  private tasks: Task[] = [];
  private seq = 0;

  constructor(readonly clock: Clock) {}

  /** Runs `run` `delayMs` from now; returns a cancel function. */
  after(delayMs: number, run: () => void): () => void {
    const task: Task = { at: this.clock.now() + Math.max(0, delayMs), seq: this.seq++, run };
    // Kept sorted by time, then by order of scheduling; the list stays short (pending lifecycle events only).
    let i = this.tasks.length;
    while (i > 0 && this.tasks[i - 1]!.at > task.at) i--;
    this.tasks.splice(i, 0, task);
    return () => {
      this.tasks = this.tasks.filter((t) => t !== task);
    };
  }

  /** The earliest task due at or before `untilMs`, removed from the timeline. */
  takeDue(untilMs: number): Task | undefined {
    const first = this.tasks[0];
    if (!first || first.at > untilMs) return undefined;
    this.tasks.shift();
    return first;
  }

  get pending(): number {
    return this.tasks.length;
  }

  clear(): void {
    this.tasks = [];
  }
}
