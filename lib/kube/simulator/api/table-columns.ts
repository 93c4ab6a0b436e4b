// The building blocks of the simulator's Table printers: column definitions as the apiserver words them, and the
// cell helpers (AGE as kubectl's HumanDuration, `<none>` for what is unset).
import type { KubeObject } from '../kube-object.ts';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export type Printer = { columns: TableColumn[]; cells: (o: KubeObject, now: number) => unknown[] };

export const col = (name: string, description: string, priority = 0, type: TableColumn['type'] = 'string', format = ''): TableColumn => ({
  name,
  type,
  format,
  description,
  priority,
});

export const nameCol = col('Name', 'Name must be unique within a namespace.', 0, 'string', 'name');
export const ageCol = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

export type Dict = Record<string, unknown>;
export const asDict = (v: unknown): Dict => (v && typeof v === 'object' ? (v as Dict) : {});
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown, fallback = '<none>'): string => (typeof v === 'string' && v !== '' ? v : fallback);

/** kubectl's HumanDuration (apimachinery util/duration), so AGE reads like a real cluster. */
export function humanDuration(seconds: number): string {
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  const s = Math.floor(seconds);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (y < 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

export function age(o: KubeObject, now: number): string {
  const created = o.metadata.creationTimestamp;
  if (!created) return '<unknown>';
  return humanDuration((now - Date.parse(created)) / 1000);
}

