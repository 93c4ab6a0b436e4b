// What ingest has done so far, over every source: the numbers behind "N records · M rejected · K ambiguous".
import type { PrismaClient } from '../../generated/prisma/client.ts';

export interface IngestTotals {
  sources: number;
  linesRead: number;
  records: number;
  rejected: number;
  ambiguous: number;
}

export async function ingestTotals(prisma: PrismaClient): Promise<IngestTotals> {
  const [sources, sums] = await Promise.all([
    prisma.source.count(),
    prisma.ingestCheckpoint.aggregate({ _sum: { linesRead: true, records: true, rejected: true, ambiguous: true } }),
  ]);
  return {
    sources,
    linesRead: sums._sum.linesRead ?? 0,
    records: sums._sum.records ?? 0,
    rejected: sums._sum.rejected ?? 0,
    ambiguous: sums._sum.ambiguous ?? 0,
  };
}
