// The newest record's start time: the default dashboard window is the hour that ends with it.
import type { PrismaClient } from '../../generated/prisma/client.ts';

/**
 * Epoch ms of the newest record start at most a few minutes ahead of now (a wrong clock must not move the window).
 * Asked as "the first record by start time, descending": the startTime index answers that with one entry, where
 * Prisma's aggregate `_max` reads every record in the range (about a second at 10M records).
 */
export async function latestRecordMs(prisma: PrismaClient, now = Date.now()): Promise<number | null> {
  const row = await prisma.accessRecord.findFirst({
    where: { startTime: { lt: new Date(now + 5 * 60_000) } },
    orderBy: { startTime: 'desc' },
    select: { startTime: true },
  });
  return row?.startTime?.getTime() ?? null;
}
