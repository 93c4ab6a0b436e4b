// The simulated kube-apiserver: plain HTTP on 127.0.0.1, routes for discovery, the served resources, watches and pod
// logs. Every error is a JSON Status, because kubectl and client-node read the reason and message from it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../kube-object.ts';
import type { ContainerLogs } from './container-logs.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, VERSION_INFO } from './discovery.ts';
import type { FaultInjector } from './fault-injector.ts';
import { applyPatch, patchTypeOf } from './merge-patch.ts';
import { applyDefaults } from './object-defaults.ts';
import type { ObjectStore } from './object-store.ts';
import { OpenStreams } from './open-streams.ts';
import { openApiV3GroupVersion, openApiV3Root } from './openapi.ts';
import { logContainerName, parsePodLogOptions, resolveInstance, streamLog } from './pod-log.ts';
import { nonNegativeInt, readDeleteOptions, readJson, readObject, requestInfo } from './request-input.ts';
import { groupVersion, resourceByPlural, type ResourceType } from './resources.ts';
import { matchesFilter, parseFilter } from './selectors.ts';
import { StatusError, badRequest, makeStatus, methodNotAllowed, notFound, type KubeStatus } from './status.ts';
import { toTable, wantsTable, type IncludeObject } from './tables.ts';
import { validateObject } from './validation.ts';
import { startWatchStream } from './watch-stream.ts';

export interface ApiServerOptions {
  /** 0 = pick a free port. */
  port?: number;
  store: ObjectStore;
  logs: ContainerLogs;
  /** How often a watch with allowWatchBookmarks gets a BOOKMARK; the real server does ~1 min, tests want seconds. */
  bookmarkIntervalMs?: number;
  /** Wall clock for AGE and sinceSeconds. */
  now?: () => number;
  /** Injected errors, latency and watch expiry. */
  faults?: FaultInjector;
  /** Handles every request under /_sim/ (the simulator's control API, never under /api). */
  control?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
  hooks?: ApiHooks;
}

/** What the cluster does beyond storing objects, supplied by the simulation. */
export interface ApiHooks {
  /** DELETE of a pod starts a graceful deletion; returns the object to answer with. */
  deletePod?(namespace: string, name: string, gracePeriodSeconds: number | undefined): KubeObject;
  /** Fills in what the apiserver defaults on create (a Service's ClusterIP); with dryRun nothing may be consumed. */
  admitCreate?(type: ResourceType, obj: KubeObject, dryRun: boolean): KubeObject;
}

export interface ApiServer {
  url: string;
  port: number;
  /** Open watch and log-follow streams: counted, and ended, dropped or stalled by fault injection. */
  streams: OpenStreams;
  /** Requests answered so far (control API excluded). */
  requests(): number;
  close(): Promise<void>;
}

/** A request path under /api/v1 or /apis/{group}/{version}, decomposed. */
interface ResourcePath {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { store, logs, faults, hooks } = options;
  const now = options.now ?? Date.now;
  const streams = new OpenStreams();
  let url = '';
  let requestCount = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status =
        err instanceof StatusError ? err.status : makeStatus(500, 'InternalError', `Internal error occurred: ${String(err)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, status.code, status);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const path = u.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const q = u.searchParams;
    if (path === '/_sim' || path.startsWith('/_sim/')) {
      if (!options.control) throw notFoundPath();
      return options.control(req, res, u);
    }
    requestCount++;
    if (faults) {
      const delay = faults.latencyFor(path);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const fault = faults.take(requestInfo(method, path, q));
      if (fault) {
        res.setHeader('Content-Type', 'application/json');
        for (const [k, v] of Object.entries(fault.headers)) res.setHeader(k, v);
        return sendJson(res, fault.status.code, fault.status);
      }
    }

    if (path === '/version') return sendJson(res, 200, VERSION_INFO);
    if (path === '/api') return sendJson(res, 200, apiVersions(url.replace(/^http:\/\//, '')));
    if (path === '/apis') return sendJson(res, 200, apiGroupList());
    if (path === '/openapi/v3') return sendJson(res, 200, openApiV3Root());
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiV3GroupVersion(path.slice('/openapi/v3/'.length));
      if (doc) return sendJson(res, 200, doc);
    }
    let segs: string[];
    try {
      segs = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw badRequest(`malformed URL path ${JSON.stringify(path.slice(0, 200))}`);
    }
    // An escaped slash cannot name anything: no object name or namespace holds one.
    if (segs.some((seg) => seg.includes('/'))) throw notFoundPath();
    let group: string;
    let rest: string[];
    if (segs[0] === 'api' && segs[1] === 'v1') {
      group = '';
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 2) {
      group = segs[1] ?? '';
      if (segs.length === 2) {
        const g = apiGroup(group);
        if (g) return sendJson(res, 200, g);
        throw notFoundPath();
      }
      if (segs[2] !== 'v1') throw notFoundPath();
      rest = segs.slice(3);
    } else throw notFoundPath();

    if (rest.length === 0) {
      const list = apiResourceList(group ? `${group}/v1` : 'v1');
      if (!list) throw notFoundPath();
      return sendJson(res, 200, list);
    }
    const target = parseResourcePath(group, rest);
    if (!target) throw notFoundPath();
    await serveResource(req, res, method, target, q);
  }

  async function serveResource(req: IncomingMessage, res: ServerResponse, method: string, t: ResourcePath, q: URLSearchParams): Promise<void> {
    const { type, namespace, name, subresource } = t;
    const dryRun = q.get('dryRun') === 'All';
    if (subresource) {
      if (type.plural === 'pods' && subresource === 'log' && name) {
        if (method !== 'GET') throw methodNotAllowed(method);
        return servePodLog(res, namespace ?? 'default', name, q);
      }
      throw notFoundPath();
    }
    if (!name) {
      if (method === 'GET') {
        const filter = parseFilter(q.get('labelSelector'), q.get('fieldSelector'));
        const table = wantsTable(req.headers.accept);
        const includeObject = includeObjectOf(q);
        if (q.get('watch') === 'true' || q.get('watch') === '1') {
          const timeoutSeconds = nonNegativeInt(q, 'timeoutSeconds');
          // Without timeoutSeconds the apiserver picks 30–60 min (minRequestTimeout 1800 s, randomized ×1–2). Node
          // timers hold at most 2^31-1 ms; a longer deadline is as good as none.
          const timeoutMs = Math.min(timeoutSeconds ? timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000, 2 ** 31 - 1);
          const rv = q.get('resourceVersion');
          if (rv && !/^\d+$/.test(rv)) throw badRequest(`resourceVersion: Invalid value: "${rv.slice(0, 40)}": strconv.ParseUint: parsing "${rv.slice(0, 40)}": invalid syntax`);
          const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
          const forceExpired = faults?.takeWatchExpiry() ?? false;
          streams.open({ kind: 'watch', resource: type.plural, ...(namespace ? { namespace } : {}) }, res, (control, onFinish) =>
            startWatchStream(
              res,
              {
                store,
                type,
                namespace,
                filter,
                resourceVersion: rv,
                timeoutMs,
                bookmarkIntervalMs: bookmarks ? (options.bookmarkIntervalMs ?? 5000) : undefined,
                render: table
                  ? (obj, first) =>
                      toTable(type.plural, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '', includeObject, withColumns: first, now: now() })
                  : undefined,
                forceExpired,
              },
              control,
              onFinish,
            ),
          );
          return;
        }
        const items = store.list(type.plural, namespace).filter((o) => matchesFilter(filter, o));
        const rv = String(store.resourceVersion);
        if (table) return sendJson(res, 200, toTable(type.plural, items, { resourceVersion: rv, includeObject, now: now() }));
        return sendJson(res, 200, { kind: `${type.kind}List`, apiVersion: groupVersion(type), metadata: { resourceVersion: rv }, items });
      }
      if (method === 'POST') {
        let body = applyDefaults(await readObject(req, type, namespace));
        if (type.namespaced && !store.get('namespaces', undefined, body.metadata.namespace ?? 'default')) {
          throw notFound('namespaces', body.metadata.namespace ?? 'default');
        }
        validateObject(body);
        if (hooks?.admitCreate) body = hooks.admitCreate(type, body, dryRun);
        const created = dryRun ? store.prepareCreate(body) : store.create(body);
        return sendJson(res, 201, created);
      }
      throw methodNotAllowed(method);
    }

    const current = (): KubeObject => {
      const o = store.get(type.plural, namespace, name);
      if (!o) throw notFound(type.plural, name, type.group);
      return o;
    };
    switch (method) {
      case 'GET': {
        const o = current();
        if (wantsTable(req.headers.accept)) {
          return sendJson(res, 200, toTable(type.plural, [o], { resourceVersion: o.metadata.resourceVersion ?? '', includeObject: includeObjectOf(q), now: now() }));
        }
        return sendJson(res, 200, o);
      }
      case 'PUT': {
        const body = applyDefaults(await readObject(req, type, namespace));
        if (body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
        validateObject(body);
        return sendJson(res, 200, dryRun ? store.prepareUpdate(body) : store.update(body));
      }
      case 'PATCH': {
        const patchType = patchTypeOf(req.headers['content-type']);
        const patch = await readJson(req);
        const patched = applyDefaults(applyPatch(current(), patch, patchType) as KubeObject);
        // A patch may not rename or move the object, and resourceVersion in a patch is a precondition only if sent.
        patched.metadata = { ...patched.metadata, name, ...(namespace ? { namespace } : {}) };
        validateObject(patched);
        return sendJson(res, 200, dryRun ? store.prepareUpdate(patched) : store.update(patched));
      }
      case 'DELETE': {
        const options = await readDeleteOptions(req, q);
        const existing = current();
        if (dryRun) return sendJson(res, 200, existing);
        if (type.plural === 'pods' && hooks?.deletePod) {
          return sendJson(res, 200, hooks.deletePod(namespace ?? 'default', name, options.gracePeriodSeconds));
        }
        const gone = store.delete(type.plural, namespace, name, type.group);
        if (type.plural === 'pods') logs.removePod(namespace ?? 'default', name);
        return sendJson(res, 200, gone);
      }
      default:
        throw methodNotAllowed(method);
    }
  }

  function servePodLog(res: ServerResponse, namespace: string, name: string, q: URLSearchParams): void {
    // pod/rest/log.go validates the options (422) before it looks the pod up (404).
    const opts = parsePodLogOptions(name, q);
    const pod = store.get('pods', namespace, name);
    if (!pod) throw notFound('pods', name);
    const container = logContainerName(pod, opts);
    const spec = (pod.spec ?? {}) as Record<string, unknown>;
    if (!spec.nodeName) {
      // Not scheduled: no kubelet to ask, the apiserver answers 204.
      res.writeHead(204);
      res.end();
      return;
    }
    const instance = resolveInstance(pod, container, opts, logs);
    const { ref, containerID } = instance;
    const tags = { kind: 'log' as const, namespace, pod: name, container: ref.container, containerID };
    streams.open(tags, res, (control, onFinish) => streamLog(res, instance, opts, now(), control, onFinish));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    streams,
    requests: () => requestCount,
    close: async () => {
      streams.endAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function parseResourcePath(group: string, rest: string[]): ResourcePath | undefined {
  let namespace: string | undefined;
  let parts = rest;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    parts = rest.slice(2);
  }
  const [plural = '', name, subresource, ...extra] = parts;
  if (extra.length) return undefined;
  const type = resourceByPlural(group, plural);
  if (!type) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  const p: ResourcePath = { type };
  if (namespace !== undefined) p.namespace = namespace;
  if (name !== undefined) p.name = name;
  if (subresource !== undefined) p.subresource = subresource;
  return p;
}

function notFoundPath(): StatusError {
  return new StatusError({ ...makeStatus(404, 'NotFound', 'the server could not find the requested resource'), details: { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] } } as unknown as KubeStatus);
}

function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
