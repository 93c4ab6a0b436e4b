// GET …/pods/{name}/log: validation and errors in the order the apiserver and kubelet apply them, then a plain-text
// body, streamed and flushed per line when following.
import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../kube-object.ts';
import type { ContainerInstance, ContainerLogs } from './container-logs.ts';
import { badRequest, invalid } from './status.ts';
import { formatLogTime } from './container-logs.ts';
import type { StreamControl } from './open-streams.ts';

export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  /** Already truncated to whole seconds, as the apiserver forwards it to the kubelet. */
  sinceTime?: string;
  sinceSeconds?: number;
  tailLines?: number;
  limitBytes?: number;
}

const bool = (v: string | null): boolean => v === 'true' || v === '1';

/** Parses and validates query options; violations are one 422 listing every cause, like ValidatePodLogOptions. */
export function parsePodLogOptions(podName: string, q: URLSearchParams): PodLogOptions {
  const causes: string[] = [];
  const int = (name: string): number | undefined => {
    const raw = q.get(name);
    if (raw === null || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw badRequest(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
    return n;
  };
  const opts: PodLogOptions = {
    follow: bool(q.get('follow')),
    previous: bool(q.get('previous')),
    timestamps: bool(q.get('timestamps')),
  };
  const container = q.get('container');
  if (container) opts.container = container;
  const tail = int('tailLines');
  if (tail !== undefined) {
    if (tail < 0) causes.push('tailLines: Invalid value: ' + tail + ': must be greater than or equal to 0');
    opts.tailLines = tail;
  }
  const limit = int('limitBytes');
  if (limit !== undefined) {
    if (limit < 1) causes.push('limitBytes: Invalid value: ' + limit + ': must be greater than 0');
    opts.limitBytes = limit;
  }
  const sinceSeconds = int('sinceSeconds');
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) causes.push('sinceSeconds: Invalid value: ' + sinceSeconds + ': must be greater than 0');
    opts.sinceSeconds = sinceSeconds;
  }
  const sinceTime = q.get('sinceTime');
  if (sinceTime) {
    const ms = Date.parse(sinceTime);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(sinceTime) || Number.isNaN(ms)) {
      throw badRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
    }
    // Whole-second semantics: the apiserver re-formats sinceTime with time.RFC3339 before the kubelet sees it.
    opts.sinceTime = formatLogTime(Math.floor(ms / 1000) * 1000);
  }
  if (opts.sinceTime && opts.sinceSeconds !== undefined) {
    causes.push('at most one of `sinceTime` or `sinceSeconds` may be specified');
  }
  if (causes.length) throw invalid('PodLogOptions', podName, causes);
  return opts;
}

type Dict = Record<string, unknown>;
const asDict = (v: unknown): Dict => (v && typeof v === 'object' ? (v as Dict) : {});
const names = (v: unknown): string[] =>
  (Array.isArray(v) ? v : []).map((c) => asDict(c).name).filter((n): n is string => typeof n === 'string');

/** The container a log request names, checked by the apiserver before it asks any kubelet (strategy.go LogLocation). */
export function logContainerName(pod: KubeObject, opts: PodLogOptions): string {
  const spec = asDict(pod.spec);
  const name = pod.metadata.name;
  const containers = names(spec.containers);
  const inits = names(spec.initContainers);
  let container = opts.container;
  if (!container) {
    if (containers.length === 1) container = containers[0];
    else {
      const initPart = inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : '';
      throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${initPart}`);
    }
  }
  if (!container || (!containers.includes(container) && !inits.includes(container))) {
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  }
  return container;
}

/**
 * Which container instance a request reads, or the 400 the kubelet/apiserver would answer. The kubelet picks the
 * instance by the container IDs in the pod's status (kubelet_pods.go validateContainerLogStatus): `previous` reads
 * lastState.terminated; a running container its own ID; a waiting one (CrashLoopBackOff) its last terminated
 * instance again, which is why a client must compare container IDs.
 */
export function resolveInstance(pod: KubeObject, container: string, opts: PodLogOptions, logs: ContainerLogs): ContainerInstance {
  const name = pod.metadata.name;
  const status = asDict(pod.status);
  const cs = [
    ...(Array.isArray(status.containerStatuses) ? status.containerStatuses : []),
    ...(Array.isArray(status.initContainerStatuses) ? status.initContainerStatuses : []),
  ].map(asDict).find((s) => s.name === container);
  const state = asDict(cs?.state);
  const lastTerminated = asDict(asDict(cs?.lastState).terminated);
  const lastId = typeof lastTerminated.containerID === 'string' ? lastTerminated.containerID : '';
  const gone = (): never => {
    throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
  };
  // An ID the runtime no longer has (garbage-collected): the kubelet cannot open its log.
  const byId = (id: string): ContainerInstance =>
    logs.byId(id) ?? (opts.previous ? gone() : (() => { throw badRequest(`container "${container}" in pod "${name}" is not available`); })());
  if (opts.previous) return lastId ? byId(lastId) : gone();
  if (state.running && typeof cs?.containerID === 'string') return byId(cs.containerID);
  const terminated = asDict(state.terminated);
  if (state.terminated) {
    const id = typeof terminated.containerID === 'string' && terminated.containerID ? terminated.containerID : lastId;
    if (!id) throw badRequest(`container "${container}" in pod "${name}" is terminated`);
    return byId(id);
  }
  if (lastId) return byId(lastId);
  const waiting = asDict(state.waiting);
  const reason = typeof waiting.reason === 'string' && waiting.reason ? waiting.reason : 'ContainerCreating';
  const shown = reason === 'ErrImagePull' ? "image can't be pulled" : reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : reason;
  throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${shown}`);
}

/** The absolute record range a request starts with: the current file, from sinceTime/sinceSeconds, its last tailLines. */
function startOf(instance: ContainerInstance, opts: PodLogOptions, nowMs: number): number {
  let since = opts.sinceTime;
  // A sinceSeconds reaching before the epoch means "everything", not an invalid date.
  if (opts.sinceSeconds !== undefined) since = formatLogTime(Math.max(0, nowMs - opts.sinceSeconds * 1000));
  let start = instance.currentFileStart;
  const end = instance.end;
  if (since) {
    // Records are in time order within an instance, and RFC3339NanoFixed strings in UTC compare in time order.
    while (start < end && instance.at(start)!.time < since) start++;
  }
  if (opts.tailLines !== undefined) start = Math.max(start, end - opts.tailLines);
  return start;
}

/**
 * Writes the log body. Headers are flushed before any byte so a follow of a quiet container is an open 200. Records
 * are read from the instance as the client takes them: a slow client holds the stream back (as TCP holds the kubelet
 * back) instead of piling lines up in memory. A stalled stream sends nothing and never ends by itself, as a hung
 * connection looks to a client. Returns a function that ends the stream (server shutdown, fault injection).
 */
export function streamLog(
  res: ServerResponse,
  instance: ContainerInstance,
  opts: PodLogOptions,
  nowMs: number,
  control: StreamControl,
  onFinish: () => void,
): () => void {
  let next = startOf(instance, opts, nowMs);
  const stopAt = opts.follow ? Infinity : instance.end;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let budget = opts.limitBytes ?? Infinity;
  let unsubscribe: () => void = () => {};
  let finished = false;
  let waiting = false;
  let ending = !opts.follow || !instance.running;
  const finish = (force: boolean): void => {
    if (finished || (control.stalled && !force)) return;
    finished = true;
    unsubscribe();
    if (!res.writableEnded && !res.destroyed) res.end();
    onFinish();
  };
  const pump = (): void => {
    if (finished || waiting || control.stalled) return;
    let chunk = '';
    while (next < Math.min(instance.end, stopAt)) {
      // Records deleted with a rotated file while this client lagged are gone for it too.
      if (next < instance.dropped) next = instance.dropped;
      const line = instance.at(next++)!;
      // With timestamps every record carries its own, so a long line split into partials shows stamps inside it
      // (kubernetes/kubernetes#77603); a partial record has no newline of its own.
      const text = (opts.timestamps ? `${line.time} ` : '') + line.text + (line.partial ? '' : '\n');
      const bytes = Buffer.byteLength(text);
      if (bytes >= budget) {
        // limitBytes may cut a line in the middle, as the kubelet's logWriter does.
        res.write(chunk);
        res.write(Buffer.from(text).subarray(0, budget));
        budget = 0;
        finish(true);
        return;
      }
      budget -= bytes;
      chunk += text;
      if (chunk.length >= 64 * 1024) {
        const more = res.write(chunk);
        chunk = '';
        if (!more) break;
      }
    }
    if (chunk && !res.write(chunk)) waiting = true;
    else if (res.writableNeedDrain) waiting = true;
    if (waiting) {
      res.once('drain', () => {
        waiting = false;
        pump();
      });
      return;
    }
    if (ending && next >= Math.min(instance.end, stopAt)) finish(false);
  };
  if (!ending) {
    unsubscribe = instance.subscribe({
      onLine: () => pump(),
      onEnd: () => {
        ending = true;
        pump();
      },
    });
  }
  res.on('close', () => finish(true));
  pump();
  return () => finish(true);
}
