// The long-running responses the API server holds open (pod-log follows and watches), tagged with what they read, so
// fault injection can end, drop or stall exactly the streams a test names, and tests can count them.
import type { ServerResponse } from 'node:http';

export interface StreamTags {
  kind: 'log' | 'watch';
  namespace?: string;
  /** Log streams: the pod and container read. */
  pod?: string;
  container?: string;
  /** Log streams: the container instance read. */
  containerID?: string;
  /** Watches: the resource watched (`pods`). */
  resource?: string;
}

/** Shared with the writer of a stream: while stalled it writes nothing, as a stream hung between kubelet and client. */
export interface StreamControl {
  stalled: boolean;
}

export type StreamAction = 'end' | 'drop' | 'stall';

export interface OpenStream {
  readonly tags: StreamTags;
  readonly control: StreamControl;
  /** Ends the response cleanly (the terminating chunk is sent). */
  end(): void;
  /** Resets the connection: no terminating chunk, the client sees the stream cut. */
  drop(): void;
  /** Keeps the connection open and sends nothing more. */
  stall(): void;
  /** Bytes written but not yet taken by the client. */
  buffered(): number;
}

export type StreamFilter = Partial<StreamTags>;

export class OpenStreams {
  private readonly streams = new Set<OpenStream>();

  /**
   * Registers a response before its writer starts (a stream may end synchronously, e.g. a watch answered with 410).
   * `bind` receives the stream's control and returns the writer's clean-end function.
   */
  open(tags: StreamTags, res: ServerResponse, bind: (control: StreamControl, onFinish: () => void) => () => void): OpenStream {
    const control: StreamControl = { stalled: false };
    let endWriter: () => void = () => {};
    const stream: OpenStream = {
      tags,
      control,
      end: () => endWriter(),
      drop: () => {
        const socket = res.socket;
        if (socket && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
        else res.destroy();
      },
      stall: () => {
        control.stalled = true;
      },
      buffered: () => res.writableLength,
    };
    this.streams.add(stream);
    endWriter = bind(control, () => this.streams.delete(stream));
    return stream;
  }

  /** Streams whose tags match every field of the filter. */
  select(filter: StreamFilter = {}): OpenStream[] {
    const wanted = Object.entries(filter).filter(([, v]) => v !== undefined) as [keyof StreamTags, string][];
    return [...this.streams].filter((s) => wanted.every(([k, v]) => s.tags[k] === v));
  }

  /** Applies an action to the matching streams; returns how many it touched. */
  apply(action: StreamAction, filter: StreamFilter = {}): number {
    const chosen = this.select(filter);
    for (const s of chosen) s[action]();
    return chosen.length;
  }

  count(kind?: StreamTags['kind']): number {
    return kind ? this.select({ kind }).length : this.streams.size;
  }

  endAll(): void {
    for (const s of [...this.streams]) s.end();
  }
}
