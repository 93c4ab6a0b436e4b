// In-memory object storage with one global resourceVersion counter and a bounded event history, so watches can
// resume from a version (replay) or be told it is too old (410 Expired), as the apiserver's watch cache behaves.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../kube-object.ts';
import { resourceForObject, type ResourceType } from './resources.ts';
import { StatusError, alreadyExists, expired, makeStatus, notFound, type KubeStatus } from './status.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: string;
  /** The object after the change (for DELETED: the last state, with the deletion's resourceVersion). */
  object: KubeObject;
  /** The object before the change, for MODIFIED/DELETED; lets a watcher tell when an object leaves its selector. */
  previous?: KubeObject;
  resourceVersion: number;
}

export interface WatchRequest {
  resource: string;
  /** Only this namespace; undefined = all. */
  namespace?: string;
  /** Replay events after this version; undefined = only changes from now on. */
  sinceResourceVersion?: number;
}

export type WatchStart = { ok: true; stop: () => void } | { ok: false; status: KubeStatus };

export interface ObjectStoreOptions {
  /** How many events the history keeps; older resume points get 410. */
  historyLimit?: number;
  /** Clock for creationTimestamp; defaults to the wall clock. */
  now?: () => Date;
  /** Called when a watch listener throws; the default prints it to stderr. */
  onListenerError?: (err: unknown, event: StoreEvent) => void;
}

type Listener = (event: StoreEvent) => void;

interface Subscription {
  request: WatchRequest;
  listener: Listener;
}

function keyOf(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}/${namespace ?? ''}/${name}`;
}

/** Whole-second RFC3339, the precision metav1.Time keeps. */
export function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoreEvent[] = [];
  private readonly subscriptions = new Set<Subscription>();
  private readonly historyLimit: number;
  private readonly now: () => Date;
  private readonly onListenerError: (err: unknown, event: StoreEvent) => void;
  private rv = 0;
  /** Highest resourceVersion whose event is no longer in history; a resume point below it cannot be served. */
  private compactedThrough = 0;

  constructor(options: ObjectStoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 1000;
    this.now = options.now ?? (() => new Date());
    this.onListenerError =
      options.onListenerError ??
      ((err, e) => console.error(`simulator: a watcher of ${e.resource} failed on ${e.type} ${e.object.metadata.name}: ${err instanceof Error ? err.stack : String(err)}`));
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.objects.get(keyOf(resource, namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  /** Objects of one resource, sorted by namespace then name like the apiserver's etcd key order. */
  list(resource: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.objects.values()) {
      if (resourceOf(o) !== resource) continue;
      if (namespace !== undefined && o.metadata.namespace !== namespace) continue;
      out.push(structuredClone(o));
    }
    return out.sort((a, b) =>
      `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`),
    );
  }

  /** Builds the object create would store, without storing it (for dryRun). */
  prepareCreate(obj: KubeObject): KubeObject {
    const resource = requireResource(obj);
    if (this.objects.has(keyOf(resource.plural, obj.metadata.namespace, obj.metadata.name))) {
      throw alreadyExists(resource.plural, obj.metadata.name);
    }
    const copy = structuredClone(obj);
    copy.metadata.uid = randomUUID();
    copy.metadata.creationTimestamp = rfc3339Seconds(this.now());
    copy.metadata.resourceVersion = String(this.rv + 1);
    return copy;
  }

  create(obj: KubeObject): KubeObject {
    const prepared = this.prepareCreate(obj);
    const resource = requireResource(prepared);
    this.rv++;
    prepared.metadata.resourceVersion = String(this.rv);
    this.objects.set(keyOf(resource.plural, prepared.metadata.namespace, prepared.metadata.name), prepared);
    this.emit({ type: 'ADDED', resource: resource.plural, object: prepared, resourceVersion: this.rv });
    return structuredClone(prepared);
  }

  /**
   * Builds the object update would store. A resourceVersion in the incoming object must match (optimistic
   * concurrency); uid and creationTimestamp are kept from the stored object whatever the caller sent.
   */
  prepareUpdate(obj: KubeObject): KubeObject {
    const resource = requireResource(obj);
    const current = this.objects.get(keyOf(resource.plural, obj.metadata.namespace, obj.metadata.name));
    if (!current) throw notFound(resource.plural, obj.metadata.name, resource.group);
    const sent = obj.metadata.resourceVersion;
    if (sent !== undefined && sent !== '' && sent !== current.metadata.resourceVersion) {
      const qualified = resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
      throw new StatusError(
        makeStatus(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${qualified} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
          { name: obj.metadata.name, kind: resource.plural },
        ),
      );
    }
    const copy = structuredClone(obj);
    copy.metadata.uid = current.metadata.uid;
    copy.metadata.creationTimestamp = current.metadata.creationTimestamp;
    copy.metadata.resourceVersion = String(this.rv + 1);
    return copy;
  }

  update(obj: KubeObject): KubeObject {
    const prepared = this.prepareUpdate(obj);
    const resource = requireResource(prepared);
    const key = keyOf(resource.plural, prepared.metadata.namespace, prepared.metadata.name);
    const previous = this.objects.get(key);
    this.rv++;
    prepared.metadata.resourceVersion = String(this.rv);
    this.objects.set(key, prepared);
    this.emit({ type: 'MODIFIED', resource: resource.plural, object: prepared, previous, resourceVersion: this.rv });
    return structuredClone(prepared);
  }

  /** Immediate deletion; the DELETED event carries a fresh resourceVersion, as etcd's delete revision. */
  delete(resource: string, namespace: string | undefined, name: string, group = ''): KubeObject {
    const key = keyOf(resource, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw notFound(resource, name, group);
    this.objects.delete(key);
    this.rv++;
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(this.rv);
    this.emit({ type: 'DELETED', resource, object: gone, previous: current, resourceVersion: this.rv });
    return structuredClone(gone);
  }

  /**
   * Subscribe to changes of one resource. With sinceResourceVersion, history after it is replayed first
   * (synchronously); if history no longer reaches back that far the watch is refused with a 410 Status.
   */
  watch(request: WatchRequest, listener: Listener): WatchStart {
    const since = request.sinceResourceVersion;
    if (since !== undefined && since < this.compactedThrough) {
      return { ok: false, status: expired(String(since), String(this.compactedThrough + 1)) };
    }
    if (since !== undefined) {
      for (const e of this.history) {
        if (e.resourceVersion > since && matchesRequest(request, e)) listener(cloneEvent(e));
      }
    }
    const sub: Subscription = { request, listener };
    this.subscriptions.add(sub);
    return { ok: true, stop: () => this.subscriptions.delete(sub) };
  }

  /** Forget all history (fault injection: the next resume from an old version gets 410). */
  compactHistory(): void {
    const last = this.history.at(-1);
    if (last) this.compactedThrough = last.resourceVersion;
    this.history.length = 0;
  }

  get watcherCount(): number {
    return this.subscriptions.size;
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compactedThrough = dropped.resourceVersion;
    }
    for (const sub of [...this.subscriptions]) {
      if (!matchesRequest(sub.request, event)) continue;
      // One failing listener (a controller bug) must not keep the event from the others, watch streams included.
      try {
        sub.listener(cloneEvent(event));
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }
}

function matchesRequest(request: WatchRequest, event: StoreEvent): boolean {
  if (event.resource !== request.resource) return false;
  return request.namespace === undefined || event.object.metadata.namespace === request.namespace;
}

function cloneEvent(e: StoreEvent): StoreEvent {
  const c: StoreEvent = { ...e, object: structuredClone(e.object) };
  if (e.previous) c.previous = structuredClone(e.previous);
  return c;
}

function requireResource(obj: KubeObject): ResourceType {
  const t = resourceForObject(obj.apiVersion, obj.kind);
  if (!t) throw new StatusError(makeStatus(400, 'BadRequest', `no kind "${obj.kind}" is registered for version "${obj.apiVersion}"`));
  if (!obj.metadata?.name) throw new StatusError(makeStatus(422, 'Invalid', `${obj.kind} "" is invalid: metadata.name: Required value: name or generateName is required`));
  return t;
}

function resourceOf(obj: KubeObject): string | undefined {
  return resourceForObject(obj.apiVersion, obj.kind)?.plural;
}
