// Label and field selectors with the grammar the apiserver accepts (the subset kubectl and client-node send).
// Parsing is separate from matching so a bad selector becomes a 400 before any listing or watching starts.
import type { KubeObject } from '../kube-object.ts';
import { badRequest } from './status.ts';

export type LabelRequirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** Requirements ANDed together; an empty list matches everything. */
export type LabelSelector = LabelRequirement[];

export interface FieldRequirement {
  op: 'eq' | 'neq';
  field: SupportedField;
  value: string;
}
export type FieldSelector = FieldRequirement[];

const SUPPORTED_FIELDS = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'] as const;
export type SupportedField = (typeof SUPPORTED_FIELDS)[number];

const KEY_RE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Split on commas that are not inside `( … )`, since `in (a,b)` uses commas too. */
function splitTopLevel(input: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of input) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

function checkKey(key: string, whole: string): string {
  if (!KEY_RE.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${whole}"`);
  return key;
}

function checkValue(value: string, whole: string): string {
  if (!VALUE_RE.test(value) || value.length > 63) {
    throw badRequest(`unable to parse requirement: invalid label value "${value}" in selector "${whole}"`);
  }
  return value;
}

export function parseLabelSelector(raw: string | null | undefined): LabelSelector {
  const whole = raw ?? '';
  if (whole.trim() === '') return [];
  return splitTopLevel(whole).map((part): LabelRequirement => {
    if (part === '') throw badRequest(`unable to parse requirement: empty requirement in selector "${whole}"`);
    const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (setMatch) {
      const [, key = '', op, list = ''] = setMatch;
      const values = list.split(',').map((v) => checkValue(v.trim(), whole));
      return { op: op === 'in' ? 'in' : 'notin', key: checkKey(key, whole), values };
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (cmp) {
      const [, key = '', op, value = ''] = cmp;
      return { op: op === '!=' ? 'neq' : 'eq', key: checkKey(key, whole), value: checkValue(value.trim(), whole) };
    }
    if (part.startsWith('!')) return { op: 'notexists', key: checkKey(part.slice(1).trim(), whole) };
    if (/^\S+$/.test(part)) return { op: 'exists', key: checkKey(part, whole) };
    throw badRequest(`unable to parse requirement: found '${part}', expected: ',' or 'end of string' in selector "${whole}"`);
  });
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.value;
      case 'neq':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v ?? '');
      case 'notin':
        return !has || !r.values.includes(v ?? '');
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

export function parseFieldSelector(raw: string | null | undefined): FieldSelector {
  const whole = raw ?? '';
  if (whole.trim() === '') return [];
  return whole.split(',').map((part): FieldRequirement => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${whole}'; can't understand '${part.trim()}'`);
    const [, field = '', op, value = ''] = m;
    if (!(SUPPORTED_FIELDS as readonly string[]).includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { op: op === '!=' ? 'neq' : 'eq', field: field as SupportedField, value };
  });
}

function fieldValue(obj: KubeObject, field: SupportedField): string {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const status = (obj.status ?? {}) as Record<string, unknown>;
  switch (field) {
    case 'metadata.name':
      return obj.metadata.name;
    case 'metadata.namespace':
      return obj.metadata.namespace ?? '';
    case 'spec.nodeName':
      return typeof spec.nodeName === 'string' ? spec.nodeName : '';
    case 'status.phase':
      return typeof status.phase === 'string' ? status.phase : '';
  }
}

export function matchesFields(selector: FieldSelector, obj: KubeObject): boolean {
  return selector.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === 'eq'));
}

/** Both selectors of one request, ready to test objects. */
export interface ObjectFilter {
  labels: LabelSelector;
  fields: FieldSelector;
}

export function parseFilter(labelSelector: string | null, fieldSelector: string | null): ObjectFilter {
  return { labels: parseLabelSelector(labelSelector), fields: parseFieldSelector(fieldSelector) };
}

export function matchesFilter(filter: ObjectFilter, obj: KubeObject): boolean {
  return matchesLabels(filter.labels, obj.metadata.labels) && matchesFields(filter.fields, obj);
}
