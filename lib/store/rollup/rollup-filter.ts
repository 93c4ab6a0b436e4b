// Which dashboard filters the rollups can answer, and how a rollup row names its upstream: shared by both databases'
// stores and by the pages that ask whether a count is cheap. Pure and backend-neutral.
import type { RecordFilter } from '../queries/record-filter.ts';

/** Who served the records of a rollup row `u`, as the chart store names it: pod, else Service, else IP, else host
 * ('' is "not logged" in rollup rows). Plain SQL both databases read alike. */
export const ROLLUP_UPSTREAM = `COALESCE(NULLIF(u."upstreamPod", ''), NULLIF(u."upstreamService", ''), NULLIF(u."upstreamIp", ''), NULLIF(u."upstreamHost", ''))`;

/** The RecordFilter fields a rollup query knows (since and until are the caller's plan); a field added to
 * RecordFilter later sends the query to the records until it is taught here. */
const KNOWN = new Set(['since', 'until', 'requestId', 'pathPrefix', 'namespace', 'sourcePod', 'cluster', 'upstream', 'statusClass']);

/**
 * Whether rollups can answer the filter: not when it names a request id or a path (not kept in them), an empty name
 * (it would match the rollups' "not logged"), or a status class other than 0..5 (-1 stands for "none" in them).
 */
export function rollupsAnswer(f: RecordFilter): boolean {
  if (Object.entries(f).some(([k, v]) => v !== undefined && !KNOWN.has(k))) return false;
  if (f.requestId !== undefined || f.pathPrefix !== undefined || f.cluster === '' || f.upstream === '') return false;
  return f.statusClass === undefined || (Number.isInteger(f.statusClass) && f.statusClass >= 0 && f.statusClass <= 5);
}
