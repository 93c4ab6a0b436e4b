// Links between the dashboard's pages that carry log text or the current filter. Values are escaped here, once.
import { filterQuery, type FilterParams } from './filter-params.ts';

export { traceHref } from './record-display.ts';

/** `path` + the filter's query + more parameters (undefined ones left out). */
export function withFilter(path: string, params: Partial<FilterParams>, extra: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams(filterQuery(params).slice(1));
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The export of the records a filter matches. */
export const exportHref = (format: 'csv' | 'ndjson', params: Partial<FilterParams>) => withFilter('/api/export', params, { format });
