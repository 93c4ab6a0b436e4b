// The newest record's start time: the default dashboard window is the hour that ends with it.
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Epoch ms of the newest record start at most a few minutes ahead of now (a wrong clock must not move the window). */
export async function latestRecordMs(prisma: PrismaClient, now = Date.now()): Promise<number | null> {
  const row = await prisma.accessRecord.aggregate({ _max: { startTime: true }, where: { startTime: { lt: new Date(now + 5 * 60_000) } } });
  return row._max.startTime?.getTime() ?? null;
}
