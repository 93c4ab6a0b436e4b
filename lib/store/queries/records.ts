// Reading records: filtered streaming (export) and keyset pages (records page).
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { recordWhere, type RecordFilter } from './record-filter.ts';
import { toRecordView, type RecordView } from './record-view.ts';

export type { RecordFilter };

const sourceFields = { select: { namespace: true, pod: true, container: true, containerId: true, location: true, key: true } } as const;

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
  total: number;
}

/** Newest first, `limit` at a time; `before` is the id the previous page ended on. */
export async function listRecords(prisma: PrismaClient, options: { before?: number; limit: number; filter?: RecordFilter }): Promise<RecordPage> {
  const where = whereOf(options.filter ?? {});
  const [rows, total] = await Promise.all([
    prisma.accessRecord.findMany({
      where: options.before !== undefined ? { ...where, id: { lt: options.before } } : where,
      orderBy: { id: 'desc' },
      take: options.limit + 1,
      include: { source: sourceFields },
    }),
    prisma.accessRecord.count({ where }),
  ]);
  const page = rows.slice(0, options.limit);
  return {
    records: page.map(toRecordView),
    nextBefore: rows.length > options.limit ? page[page.length - 1]!.id : null,
    total,
  };
}
