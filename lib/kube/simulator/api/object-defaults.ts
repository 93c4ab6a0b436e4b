// What the apiserver changes in an object on every write, before validation, for the kinds where a client would see
// the difference: a Secret's stringData is write-only (merged into data as base64, and never stored), and its type
// defaults to Opaque.
import type { KubeObject } from '../kube-object.ts';

export function applyDefaults(obj: KubeObject): KubeObject {
  if (obj.apiVersion === 'v1' && obj.kind === 'Secret') return secretDefaults(obj);
  return obj;
}

function secretDefaults(obj: KubeObject): KubeObject {
  const { stringData, ...rest } = obj;
  const out: KubeObject = { ...rest, type: typeof obj.type === 'string' && obj.type !== '' ? obj.type : 'Opaque' };
  if (stringData && typeof stringData === 'object') {
    const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(stringData as Record<string, unknown>)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    out.data = data;
  }
  return out;
}
