// Records as they arrive, for the live view: ids grow with every insert and are committed in that order (SQLite has
// one writer; PostgreSQL writers take one lock each, see lib/store/postgres/postgres-ingest-store.ts), so "new since I
// last looked" is "id greater than the last one seen".
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { recordWhere, type RecordFilter } from './record-filter.ts';
import { toRecordView, type RecordView } from './record-view.ts';
import { sourceFields } from './records.ts';

/** The highest record id stored; 0 when there are none. (The first by id, descending: one index entry, where
 * Prisma's aggregate `_max` reads every id.) */
export async function newestRecordId(prisma: PrismaClient): Promise<number> {
  const row = await prisma.accessRecord.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  return row?.id ?? 0;
}

/** Matching records with afterId < id <= throughId, oldest first, at most `limit`. */
export async function recordsAfter(
  prisma: PrismaClient,
  { afterId, throughId, filter, limit }: { afterId: number; throughId: number; filter: RecordFilter; limit: number },
): Promise<RecordView[]> {
  const rows = await prisma.accessRecord.findMany({
    where: { ...recordWhere(filter), id: { gt: afterId, lte: throughId } },
    orderBy: { id: 'asc' },
    take: limit,
    include: { source: sourceFields },
  });
  return rows.map(toRecordView);
}
