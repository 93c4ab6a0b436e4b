// What the live page starts with: the newest matching records, and the id the stream continues after. The id is read
// first and the records are taken at or below it, so nothing is shown twice or skipped between the two.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { newestRecordId } from '../store/queries/live-records.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import { listRecords } from '../store/queries/records.ts';
import { isMissingTable } from './api-response.ts';
import { toLiveRecord, type LiveRecord } from './live-record.ts';

export async function livePageData(prisma: PrismaClient, filter: RecordFilter, backlog = 50): Promise<{ records: LiveRecord[]; afterId: number }> {
  try {
    const afterId = await newestRecordId(prisma);
    const page = await listRecords(prisma, { before: afterId + 1, limit: backlog, filter, countUpTo: 0 });
    return { records: page.records.map(toLiveRecord), afterId };
  } catch (err) {
    if (isMissingTable(err)) return { records: [], afterId: 0 };
    throw err;
  }
}
