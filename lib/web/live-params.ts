// The live stream's query: the dashboard's URL filters (except time: live records are new by definition) and where to
// start, `?after=<id>` or the Last-Event-ID a reconnecting browser sends.
import { z } from 'zod';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import type { BadParam } from './api-response.ts';
import { parseFilterParams, recordFilterOf, type FilterParams } from './filter-params.ts';

const recordId = z.string().trim().regex(/^\d{1,15}$/, 'expected a record id (a whole number)').transform(Number);

export type LiveParams = { ok: true; filter: RecordFilter; params: FilterParams; afterId: number | undefined } | ({ ok: false } & BadParam);

/** The record filter of the URL filters without their time window. */
export function liveFilterOf(params: FilterParams): RecordFilter {
  return recordFilterOf({ ...params, range: 'all', from: undefined, to: undefined }, null);
}

export function parseLiveParams(search: URLSearchParams, lastEventId: string | null): LiveParams {
  const parsed = parseFilterParams(search);
  if (!parsed.ok) return parsed;
  let afterId: number | undefined;
  if (lastEventId !== null && lastEventId !== '') {
    const id = recordId.safeParse(lastEventId);
    if (!id.success) return { ok: false, param: 'Last-Event-ID', message: id.error.issues[0]!.message };
    afterId = id.data;
  } else {
    const after = search.getAll('after');
    if (after.length > 1) return { ok: false, param: 'after', message: 'given more than once' };
    if (after[0] !== undefined && after[0] !== '') {
      const id = recordId.safeParse(after[0]);
      if (!id.success) return { ok: false, param: 'after', message: id.error.issues[0]!.message };
      afterId = id.data;
    }
  }
  return { ok: true, params: parsed.params, filter: liveFilterOf(parsed.params), afterId };
}
