// What live collection looks like now: the status rows collectors store (their JSON is lib/kube's CollectorStatus),
// and the gaps and non-access lines recorded so far.
import type { PrismaClient } from '../../generated/prisma/client.ts';

export interface CollectionRows {
  statuses: { id: string; json: string; updatedAt: Date }[];
  gaps: number;
  otherLines: number;
}

export async function collectionRows(prisma: PrismaClient): Promise<CollectionRows> {
  const [statuses, gaps, sums] = await Promise.all([
    prisma.collectorStatus.findMany({ orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }], take: 20 }),
    prisma.ingestGap.count(),
    prisma.ingestCheckpoint.aggregate({ _sum: { otherLines: true } }),
  ]);
  return { statuses, gaps, otherLines: sums._sum.otherLines ?? 0 };
}
