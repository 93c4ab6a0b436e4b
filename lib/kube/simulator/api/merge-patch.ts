// PATCH bodies. JSON merge patch (RFC 7386) exactly; strategic merge patch approximated as a merge patch that drops
// `$…` directives and replaces lists whole — enough for ConfigMap data and annotations, which is what
// `kubectl apply` (client-side) sends for the objects the simulator edits. List merge-by-key is not modelled.
import { StatusError, makeStatus } from './status.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => !!v && typeof v === 'object' && !Array.isArray(v);

export function mergePatch(target: unknown, patch: unknown, dropDirectives = false): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (dropDirectives && k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, dropDirectives);
  }
  return out;
}

export type PatchType = 'merge' | 'strategic';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]?.trim();
  if (ct === 'application/merge-patch+json') return 'merge';
  if (ct === 'application/strategic-merge-patch+json') return 'strategic';
  throw new StatusError(
    makeStatus(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json`),
  );
}

export function applyPatch(target: unknown, patch: unknown, type: PatchType): unknown {
  return mergePatch(target, patch, type === 'strategic');
}
