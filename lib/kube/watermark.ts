// Where a container instance's log was read up to: the kubelet timestamp of the last line stored and how many stored
// lines carry exactly that timestamp. The kubelet filters `sinceTime` by whole seconds (shared/notes/kube-api.md
// §1.5), so a resume asks from the watermark's second and skips what the watermark covers: every line before it, and
// the first `count` lines at it. Unlike a per-second count, this stays right when rotation removed earlier lines of
// that second.

export interface Watermark {
  /** RFC3339 with 9 fraction digits, UTC (the kubelet's RFC3339NanoFixed). */
  time: string;
  count: number;
}

/** The watermark after one more line stamped `time` (stamps never go back within an instance). */
export function advance(wm: Watermark | null, time: string): Watermark {
  return wm && wm.time === time ? { time, count: wm.count + 1 } : { time, count: 1 };
}

/** `sinceTime` for a resume: the watermark's whole second. */
export function resumeSince(wm: Watermark): string {
  return `${wm.time.slice(0, 19)}Z`;
}

/** Drops, from a resumed stream, the lines a watermark says were stored already. */
export class ResumeFilter {
  private atMark = 0;
  private passed: boolean;

  constructor(private readonly wm: Watermark | null) {
    this.passed = wm === null;
  }

  /** True when the line stamped `time` was stored before. */
  covered(time: string): boolean {
    if (this.passed) return false;
    const wm = this.wm!;
    if (time < wm.time) return true;
    if (time === wm.time && this.atMark < wm.count) {
      this.atMark++;
      return true;
    }
    this.passed = true;
    return false;
  }
}
