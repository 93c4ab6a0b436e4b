// Reading records: filtered streaming (export) and keyset pages (records page).
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { recordWhere, type RecordFilter } from './record-filter.ts';
import { toRecordView, type RecordView } from './record-view.ts';

export type { RecordFilter };

/** The source columns a record view shows (see toRecordView). */
export const sourceFields = { select: { namespace: true, pod: true, container: true, containerId: true, location: true, key: true } } as const;

const whereOf = recordWhere;

/** Every matching record in storage order, fetched in pages so memory stays flat. */
export async function* iterateRecords(prisma: PrismaClient, filter: RecordFilter, pageSize = 5000): AsyncGenerator<RecordView> {
  let afterId = 0;
  for (;;) {
    const rows = await prisma.accessRecord.findMany({
      where: { ...whereOf(filter), id: { gt: afterId } },
      orderBy: { id: 'asc' },
      take: pageSize,
      include: { source: sourceFields },
    });
    for (const row of rows) yield toRecordView(row);
    if (rows.length < pageSize) return;
    afterId = rows[rows.length - 1]!.id;
  }
}

export interface RecordPage {
  records: RecordView[];
  /** Pass as `before` for the next (older) page; null at the end. */
  nextBefore: number | null;
  /** Records the filter selects (not counted: 0). */
  total: number;
  /** More records match than `total`: counting stopped there (see `countUpTo`). */
  totalCapped: boolean;
}

/**
 * Newest first, `limit` at a time; `before` is the id the previous page ended on. The filter's total is counted
 * exactly by default; `countUpTo: n` stops counting after n (a count over millions of records is the slow part of a
 * page), `countUpTo: 0` does not count.
 */
export async function listRecords(
  prisma: PrismaClient,
  options: { before?: number; limit: number; filter?: RecordFilter; countUpTo?: number },
): Promise<RecordPage> {
  const where = whereOf(options.filter ?? {});
  const cap = options.countUpTo;
  const [rows, counted] = await Promise.all([
    prisma.accessRecord.findMany({
      where: options.before !== undefined ? { ...where, id: { lt: options.before } } : where,
      orderBy: { id: 'desc' },
      take: options.limit + 1,
      include: { source: sourceFields },
    }),
    cap === 0 ? Promise.resolve({ total: 0, totalCapped: false }) : countRecords(prisma, options.filter ?? {}, cap),
  ]);
  const page = rows.slice(0, options.limit);
  return { records: page.map(toRecordView), nextBefore: rows.length > options.limit ? page[page.length - 1]!.id : null, ...counted };
}

/** The filter's records counted, exactly or (`upTo`) stopping once more than `upTo` match. */
export async function countRecords(prisma: PrismaClient, filter: RecordFilter, upTo?: number): Promise<{ total: number; totalCapped: boolean }> {
  const where = whereOf(filter);
  if (upTo === undefined) return { total: await prisma.accessRecord.count({ where }), totalCapped: false };
  // Prisma orders a `take` by id unless told: by start time instead, SQLite walks the time index (or, for a rare path,
  // the path index) rather than the whole table in id order.
  const counted = await prisma.accessRecord.count({ where, take: upTo + 1, orderBy: [{ startTime: 'desc' }, { id: 'desc' }] });
  return counted > upTo ? { total: upTo, totalCapped: true } : { total: counted, totalCapped: false };
}

/** Records of the filter without a start time (they are in no time window, so only a filter without one has them). */
export async function countUntimedRecords(prisma: PrismaClient, filter: RecordFilter): Promise<number> {
  if (filter.since !== undefined || filter.until !== undefined) return 0;
  return prisma.accessRecord.count({ where: { ...whereOf(filter), startTime: null } });
}
