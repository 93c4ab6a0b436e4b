// List then watch one kind of object, keeping a local copy and telling handlers what was added, changed and deleted:
// relists on 410 Expired (an ERROR event or an HTTP 410), rewatches from the last resourceVersion after a clean end,
// retries every other failure with backoff and jitter (honouring Retry-After), and reconnects a watch that stayed
// silent longer than bookmarks allow. Never stops by itself; errors are counted and reported.
import { Backoff, sleep } from './backoff.ts';
import { KubeApiError, type KubeClient } from './kube-client.ts';
import { LineSplitter } from './line-splitter.ts';

export interface KubeObjectLike {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(obj: T, old: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  /** Collection path: `/api/v1/pods`, `/api/v1/namespaces/shop/pods`, `/apis/discovery.k8s.io/v1/endpointslices`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** A watch silent this long is reconnected (bookmarks arrive about once a minute from a real apiserver). */
  idleTimeoutMs?: number;
  /** Asked of the server per watch; it ends the watch cleanly after that (default 5 min, randomized). */
  watchTimeoutSeconds?: number;
  backoff?: Backoff;
}

export interface InformerStats {
  lists: number;
  watches: number;
  events: number;
  errors: number;
  expired: number;
  lastError?: string;
  synced: boolean;
}

interface ListResponse<T> {
  metadata: { resourceVersion: string };
  items: T[];
}

interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T & { code?: number; message?: string; reason?: string };
}

/** Thrown inside the loop when the server says the resourceVersion is too old. */
class Expired extends Error {}

export const keyOf = (o: KubeObjectLike) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class Informer<T extends KubeObjectLike> {
  readonly stats: InformerStats = { lists: 0, watches: 0, events: 0, errors: 0, expired: 0, synced: false };
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  private readonly backoff: Backoff;
  private syncedResolve!: () => void;
  /** Resolves after the first successful list has been handed to the handlers. */
  readonly synced = new Promise<void>((r) => (this.syncedResolve = r));

  constructor(
    private readonly client: KubeClient,
    private readonly options: InformerOptions,
    private readonly handlers: InformerHandlers<T>,
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.backoff = options.backoff ?? new Backoff({ initialMs: 500, maxMs: 30_000 });
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  private get selectors() {
    return { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector };
  }

  private async loop(): Promise<void> {
    let needList = true;
    while (!this.abort.signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        await this.watch();
        this.backoff.reset();
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (err instanceof Expired || (err instanceof KubeApiError && err.status === 410)) {
          this.stats.expired++;
          needList = true;
          continue;
        }
        this.stats.errors++;
        const message = err instanceof Error ? err.message : String(err);
        this.stats.lastError = `${this.options.path}: ${message}`;
        this.onError(this.stats.lastError);
        await sleep(this.backoff.next(err instanceof KubeApiError ? err.retryAfterMs : 0), this.abort.signal);
      }
    }
  }

  /** Lists and reconciles the cache: objects gone since are deleted, changed ones updated. */
  private async relist(): Promise<void> {
    const list = await this.client.getJson<ListResponse<T>>(this.options.path, this.selectors);
    if (!list || !Array.isArray(list.items) || typeof list.metadata?.resourceVersion !== 'string') {
      throw new Error(`${this.options.path}: the list response has no items or resourceVersion`);
    }
    this.stats.lists++;
    const seen = new Set<string>();
    for (const item of list.items) {
      if (!item?.metadata?.name) continue;
      const key = keyOf(item);
      seen.add(key);
      this.apply('MODIFIED', item);
    }
    for (const [key, old] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.handlers.delete?.(old);
      }
    }
    this.resourceVersion = list.metadata.resourceVersion;
    if (!this.stats.synced) {
      this.stats.synced = true;
      this.syncedResolve();
    }
  }

  private async watch(): Promise<void> {
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    const idleMs = this.options.idleTimeoutMs ?? 90_000;
    const request = new AbortController();
    const stopRequest = () => request.abort();
    this.abort.signal.addEventListener('abort', stopRequest, { once: true });
    let idle: NodeJS.Timeout | undefined;
    let silent = false;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        silent = true;
        request.abort();
      }, idleMs);
    };
    try {
      this.stats.watches++;
      const { body } = await this.client.stream(
        this.options.path,
        { watch: 'true', resourceVersion: this.resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds, ...this.selectors },
        request.signal,
      );
      arm();
      const splitter = new LineSplitter();
      for await (const chunk of body) {
        arm();
        for (const line of splitter.push(chunk as Buffer)) this.onEventLine(line);
        if (splitter.pending > 64 * 1024 * 1024) throw new Error(`${this.options.path}: a watch event over 64 MiB`);
      }
    } catch (err) {
      if (silent) throw new Error(`${this.options.path}: the watch sent nothing for ${idleMs} ms; reconnecting`);
      throw err;
    } finally {
      clearTimeout(idle);
      this.abort.signal.removeEventListener('abort', stopRequest);
    }
  }

  private onEventLine(line: string): void {
    if (!line.trim()) return;
    let event: WatchEvent<T>;
    try {
      event = JSON.parse(line) as WatchEvent<T>;
    } catch {
      throw new Error(`${this.options.path}: a watch event that is not JSON: ${line.slice(0, 120)}`);
    }
    if (event.type === 'ERROR') {
      if (event.object?.code === 410) throw new Expired(String(event.object.message));
      throw new KubeApiError(event.object?.code ?? 500, String(event.object?.message ?? 'watch error'), event.object?.reason);
    }
    const rv = event.object?.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (typeof rv === 'string') this.resourceVersion = rv;
      return;
    }
    if (!event.object?.metadata?.name || !['ADDED', 'MODIFIED', 'DELETED'].includes(event.type)) return;
    this.stats.events++;
    this.apply(event.type, event.object);
    if (typeof rv === 'string') this.resourceVersion = rv;
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void {
    const key = keyOf(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      if (!old) return;
      this.cache.delete(key);
      this.handlers.delete?.(obj);
      return;
    }
    // A pod deleted and created again under the same name is a new object: delete the old one first.
    if (old && old.metadata.uid && obj.metadata.uid && old.metadata.uid !== obj.metadata.uid) {
      this.cache.delete(key);
      this.handlers.delete?.(old);
      this.cache.set(key, obj);
      this.handlers.add?.(obj);
      return;
    }
    this.cache.set(key, obj);
    if (!old) this.handlers.add?.(obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.handlers.update?.(obj, old);
  }
}
