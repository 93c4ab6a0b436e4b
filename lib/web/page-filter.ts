// What every dashboard page does first: read the filter from the URL and resolve its time window against the data.
import { loadSettings } from '../settings.ts';
import { prismaClientFor } from '../store/prisma-client.ts';
import { latestRecordMs } from '../store/queries/latest-record.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import { parseFilterParams, recordFilterOf, type FilterParams } from './filter-params.ts';

export type PageFilter =
  | { ok: true; params: FilterParams; filter: RecordFilter; latestMs: number | null }
  | { ok: false; param: string; message: string };

export async function pageFilter(searchParams: Record<string, string | string[] | undefined>): Promise<PageFilter> {
  const parsed = parseFilterParams(searchParams);
  if (!parsed.ok) return parsed;
  let latestMs: number | null = null;
  try {
    latestMs = await latestRecordMs(await prismaClientFor(loadSettings().databaseUrl));
  } catch (err) {
    // A database not migrated yet has no records: the page shows its empty state.
    if ((err as { code?: string }).code !== 'P2021') throw err;
  }
  return { ok: true, params: parsed.params, filter: recordFilterOf(parsed.params, latestMs), latestMs };
}
