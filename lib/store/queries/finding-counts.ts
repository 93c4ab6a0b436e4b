// How many findings the last analysis left open (not silenced), per severity: the Overview's findings tile and
// /metrics. A view of findingCounts (findings.ts), which the Findings and rule pages use in full.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { findingCounts } from './findings.ts';

export interface OpenFindingCounts {
  error: number;
  warning: number;
  info: number;
  /** Silenced findings, not counted above. */
  silenced: number;
  /** When the last analysis ran; null when none stored findings. */
  analyzedAtMs: number | null;
}

export async function openFindingCounts(prisma: PrismaClient): Promise<OpenFindingCounts> {
  const all = await findingCounts(prisma);
  const counts: OpenFindingCounts = { error: 0, warning: 0, info: 0, silenced: all.total.silenced, analyzedAtMs: all.analyzedAtMs };
  for (const [severity, c] of Object.entries(all.bySeverity)) {
    counts[severity === 'error' || severity === 'warning' ? severity : 'info'] += c.shown;
  }
  return counts;
}
