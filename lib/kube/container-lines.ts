// What a line of one container is: an access-log record in the container's current format (or a format it had before
// a config change), one of Envoy's own messages, or a rejected line. The format is resolved from the pod's Envoy
// config, and resolved again when Envoy announces a restart or lines stop parsing (at most every few seconds).
import { AccessLineReader, type LineVerdict } from './access-line-reader.ts';
import type { ContainerFormats } from './container-format.ts';
import type { FormatSpec } from '../envoy/compile-format.ts';
import type { PodDoc } from './pod-status.ts';

export class ContainerLines {
  private reader?: AccessLineReader;
  private lastResolve = 0;
  /** Where the format came from (ConfigMap, key, listener), for the status. */
  origin?: string;
  /** Why no format could be resolved, when none could. */
  error?: string;

  constructor(
    private readonly formats: ContainerFormats,
    private readonly container: string,
    /** Reads the pod again (for a refresh). */
    private readonly fetchPod: () => Promise<PodDoc>,
    /** A resolution problem, reported once per distinct message. */
    private readonly onError: (message: string) => void,
  ) {}

  get ready(): boolean {
    return this.reader !== undefined;
  }

  /** The newest format: the one a new source is stored with. */
  get current(): FormatSpec {
    return this.reader!.formats[0]!;
  }

  /** Resolves the format from the pod; false (with `error` set) when none can be. */
  async load(pod: PodDoc): Promise<boolean> {
    this.lastResolve = Date.now();
    const f = await this.formats.resolve(pod, this.container);
    if (!f.ok) {
      if (this.error !== f.error) this.onError(f.error);
      this.error = f.error;
      return false;
    }
    this.error = undefined;
    if (!this.reader) this.reader = new AccessLineReader([f.spec]);
    else this.reader.add(f.spec);
    this.origin = f.origin;
    return true;
  }

  /** True when a refresh brought a format not tried before. */
  private async refresh(force: boolean): Promise<boolean> {
    if (!force && Date.now() - this.lastResolve < 5000) return false;
    try {
      const before = this.reader?.formats[0];
      return (await this.load(await this.fetchPod())) && this.reader!.formats[0] !== before;
    } catch {
      return false;
    }
  }

  async classify(text: string): Promise<LineVerdict> {
    if (AccessLineReader.announcesRestart(text)) await this.refresh(true);
    const verdict = this.reader!.read(text);
    if (verdict.kind === 'rejected' && (await this.refresh(false))) return this.reader!.read(text);
    return verdict;
  }
}
