// Reading what a request asks for: its verb and resource (for fault messages), its body as JSON or as an object of
// the URL's kind, DeleteOptions, integer parameters. Every problem is a 400 Status, as the apiserver answers it.
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../kube-object.ts';
import type { RequestInfo } from './fault-injector.ts';
import { groupVersion, type ResourceType } from './resources.ts';
import { StatusError, badRequest, makeStatus } from './status.ts';

const MAX_BODY = 8 * 1024 * 1024;

/** Verb, resource and namespace of a request, as the apiserver's RequestInfoResolver names them. */
export function requestInfo(method: string, path: string, q: URLSearchParams): RequestInfo {
  const watch = q.get('watch') === 'true' || q.get('watch') === '1';
  const segs = path.split('/').filter(Boolean);
  const rest = segs[0] === 'api' ? segs.slice(2) : segs[0] === 'apis' ? segs.slice(3) : [];
  const group = segs[0] === 'apis' ? segs[1] : '';
  let i = 0;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    i = 2;
  }
  const [plural, name, sub] = rest.slice(i);
  const resource = plural ? (sub ? `${plural}/${sub}` : plural) : undefined;
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: name ? 'delete' : 'deletecollection' };
  const verb = method === 'GET' ? (watch ? 'watch' : name ? 'get' : 'list') : (verbs[method] ?? method.toLowerCase());
  return { method, path, watch, verb, ...(resource ? { resource } : {}), ...(group !== undefined ? { group } : {}), ...(namespace ? { namespace } : {}) };
}

/** DeleteOptions from the query or the body (kubectl sends `{"kind":"DeleteOptions",...,"gracePeriodSeconds":0}`). */
export async function readDeleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<{ gracePeriodSeconds?: number }> {
  const fromQuery = q.get('gracePeriodSeconds');
  let grace = fromQuery !== null && fromQuery !== '' ? Number(fromQuery) : undefined;
  const body = await readBody(req);
  if (body.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw badRequest(`the body of the request was in an unknown format: ${(e as Error).message}`);
    }
    const g = (parsed as { gracePeriodSeconds?: unknown } | null)?.gracePeriodSeconds;
    if (typeof g === 'number') grace = g;
  }
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) throw badRequest(`gracePeriodSeconds must be a non-negative integer, not ${String(grace)}`);
  return grace === undefined ? {} : { gracePeriodSeconds: grace };
}

/** An integer query parameter ≥ 0, or undefined when absent; anything else is a 400. */
export function nonNegativeInt(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw badRequest(`${name}: Invalid value: "${raw.slice(0, 40)}": must be a non-negative integer`);
  return Number(raw);
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new StatusError(makeStatus(413, 'BadRequest', 'Request entity too large'));
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw badRequest(`the body of the request was in an unknown format: ${(e as Error).message}`);
  }
}

/** A create/update body: must be the URL's kind, and takes the URL's namespace when it has none. */
export async function readObject(req: IncomingMessage, type: ResourceType, namespace: string | undefined): Promise<KubeObject> {
  const body = (await readJson(req)) as Partial<KubeObject> | null;
  if (!body || typeof body !== 'object' || !body.metadata || typeof body.metadata !== 'object') {
    throw badRequest('the body of the request does not contain an object with metadata');
  }
  if (body.kind !== type.kind || body.apiVersion !== groupVersion(type)) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${groupVersion(type)})`);
  }
  const obj = body as KubeObject;
  if (type.namespaced) {
    const ns = obj.metadata.namespace ?? namespace;
    if (namespace !== undefined && ns !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = ns ?? 'default';
  }
  return obj;
}
