// The dashboard's record filter as a SQLite WHERE clause over `"AccessRecord" r JOIN "Source" s`, with named
// parameters (never text pasted into SQL).
import type { RecordFilter } from '../queries/record-filter.ts';

export function recordFilterSql(f: RecordFilter): { sql: string; params: Record<string, string | number> } {
  const parts: string[] = [];
  const params: Record<string, string | number> = {};
  if (f.since !== undefined) (parts.push(`r."startTime" >= @since`), (params.since = f.since));
  if (f.until !== undefined) (parts.push(`r."startTime" < @until`), (params.until = f.until));
  if (f.requestId !== undefined) (parts.push(`r."requestId" = @requestId`), (params.requestId = f.requestId));
  if (f.namespace !== undefined) (parts.push(`s."namespace" = @namespace`), (params.namespace = f.namespace));
  if (f.sourcePod !== undefined) (parts.push(`s."pod" = @sourcePod`), (params.sourcePod = f.sourcePod));
  if (f.cluster !== undefined) (parts.push(`r."upstreamCluster" = @cluster`), (params.cluster = f.cluster));
  if (f.upstream !== undefined) {
    parts.push(`(r."upstreamPod" = @upstream OR r."upstreamService" = @upstream OR r."upstreamIp" = @upstream OR r."upstreamHost" = @upstream)`);
    params.upstream = f.upstream;
  }
  if (f.statusClass === 0) parts.push(`(r."status" IS NULL OR r."status" < 100)`);
  else if (f.statusClass !== undefined) (parts.push(`r."status" >= @statusFrom AND r."status" < @statusTo`), (params.statusFrom = f.statusClass * 100), (params.statusTo = f.statusClass * 100 + 100));
  if (f.pathPrefix !== undefined) {
    parts.push(`r."path" >= @pathFrom AND r."path" < @pathTo`);
    params.pathFrom = f.pathPrefix;
    params.pathTo = `${f.pathPrefix}\u{10FFFF}`;
  }
  return { sql: parts.length ? parts.join(' AND ') : '1 = 1', params };
}
