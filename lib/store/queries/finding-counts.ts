// How many findings the last analysis left open (not silenced), per severity: the Overview's findings tile.
import type { PrismaClient } from '../../generated/prisma/client.ts';

export interface FindingCounts {
  error: number;
  warning: number;
  info: number;
  /** Silenced findings, not counted above. */
  silenced: number;
  /** When the last analysis ran; null when none stored findings. */
  analyzedAtMs: number | null;
}

export async function openFindingCounts(prisma: PrismaClient): Promise<FindingCounts> {
  const [open, silenced, last] = await Promise.all([
    prisma.finding.groupBy({ by: ['severity'], where: { suppressedBy: null }, _count: { _all: true } }),
    prisma.finding.count({ where: { suppressedBy: { not: null } } }),
    prisma.finding.aggregate({ _max: { analyzedAt: true } }),
  ]);
  const counts: FindingCounts = { error: 0, warning: 0, info: 0, silenced, analyzedAtMs: last._max.analyzedAt?.getTime() ?? null };
  for (const row of open) {
    const severity = row.severity === 'error' || row.severity === 'warning' ? row.severity : 'info';
    counts[severity] += row._count._all;
  }
  return counts;
}
