// The Requests page's reader: records newest first by start time, a page at a time, keyset-paged by (start time, id)
// so a page costs the same however deep it is. Records without a start time (a format without %START_TIME%) are in no
// time window; under a filter without one they come after every timed record, newest id first.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { AccessRecordWhereInput } from '../../generated/prisma/models.ts';
import { recordWhere, type RecordFilter } from './record-filter.ts';
import { toRecordView, type RecordView } from './record-view.ts';
import { sourceFields } from './records.ts';

/** Where the previous page ended: its last record's start time (null: an untimed record) and id. */
export interface TimeCursor {
  startMs: number | null;
  id: number;
}

export interface TimePage {
  records: RecordView[];
  /** Pass as `before` for the next (older) page; null at the end. */
  next: TimeCursor | null;
}

/**
 * One page of the filter's records, newest start first (ties: newest id first), after `before`.
 *
 * `timedSince` narrows the walk: the caller knows (from the rollups) that the page's timed records all start at or
 * after it (epoch ms), or that there are none (null). Without it the walk covers the filter's whole window.
 */
export async function pageRecordsByTime(
  prisma: PrismaClient,
  options: { filter: RecordFilter; limit: number; before?: TimeCursor; timedSince?: number | null },
): Promise<TimePage> {
  const { filter, limit, before, timedSince } = options;
  const want = limit + 1;
  const rows: Awaited<ReturnType<typeof timedRows>> = [];
  if (before?.startMs !== null && timedSince !== null) {
    const since = timedSince !== undefined && (filter.since === undefined || timedSince > filter.since) ? timedSince : filter.since;
    rows.push(...(await timedRows(prisma, { ...filter, ...(since !== undefined ? { since } : {}) }, before, want)));
  }
  if (rows.length < want && filter.since === undefined && filter.until === undefined) {
    const afterTimed = before?.startMs === null ? { id: { lt: before.id } } : {};
    rows.push(...(await prisma.accessRecord.findMany({
      where: { ...recordWhere(filter), startTime: null, ...afterTimed },
      orderBy: { id: 'desc' },
      take: want - rows.length,
      include: { source: sourceFields },
    })));
  }
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    records: page.map(toRecordView),
    next: rows.length > limit && last ? { startMs: last.startTime === null ? null : last.startTime.getTime(), id: last.id } : null,
  };
}

/** Timed records of the filter, newest start first, strictly after the cursor. */
async function timedRows(prisma: PrismaClient, filter: RecordFilter, before: TimeCursor | undefined, take: number) {
  const where = recordWhere(filter);
  const and: AccessRecordWhereInput[] = [{ startTime: { not: null } }];
  if (before && before.startMs !== null) {
    // (startTime, id) < (t, id): a bound the startTime index can walk, plus the tie-break among records of that ms.
    and.push({ startTime: { lte: new Date(before.startMs) } }, { OR: [{ startTime: { lt: new Date(before.startMs) } }, { id: { lt: before.id } }] });
  }
  return prisma.accessRecord.findMany({
    where: { ...where, AND: [...((where.AND as AccessRecordWhereInput[] | undefined) ?? []), ...and] },
    orderBy: [{ startTime: 'desc' }, { id: 'desc' }],
    take,
    include: { source: sourceFields },
  });
}
