// The URL filters in words, for a page that says what it is showing ("Namespace default · Status 5xx") and offers to
// drop one.
import type { FilterParams } from './filter-params.ts';

export interface ActiveFilter {
  param: keyof FilterParams;
  label: string;
  value: string;
}

export const rangeLabels: Record<FilterParams['range'], string> = {
  latest: 'the latest hour of data', '15m': 'the last 15 min', '1h': 'the last hour', '6h': 'the last 6 h',
  '24h': 'the last 24 h', '7d': 'the last 7 days', all: 'all time',
};

const labels: [keyof FilterParams, string][] = [
  ['ns', 'Namespace'], ['pod', 'Source pod'], ['cluster', 'Cluster'], ['upstream', 'Upstream'], ['status', 'Status'], ['path', 'Path prefix'],
];

/** The filters that narrow the records, time first; the default time range (the latest hour of data) is not one. */
export function activeFilters(p: FilterParams): ActiveFilter[] {
  const out: ActiveFilter[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  if (p.from !== undefined) out.push({ param: 'from', label: 'From', value: iso(p.from) });
  if (p.to !== undefined) out.push({ param: 'to', label: 'To', value: iso(p.to) });
  if (p.from === undefined && p.to === undefined && p.range !== 'latest') out.push({ param: 'range', label: 'Time', value: rangeLabels[p.range] });
  for (const [param, label] of labels) {
    const value = p[param];
    if (value !== undefined) out.push({ param, label, value: String(value) });
  }
  return out;
}
