// Reading the findings the last analysis stored, for the dashboard: errors first, silenced ones apart.
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client.ts';

export interface FindingView {
  key: string;
  code: string;
  severity: string;
  resource: string;
  location: string | null;
  title: string;
  message: string;
  fix: { summary: string; files?: { name: string; description: string; text: string }[] } | null;
  firstSeenMs: number | null;
  lastSeenMs: number | null;
  suppressedBy: string | null;
  analyzedAtMs: number;
}

const severityRank: Record<string, number> = { error: 0, warning: 1, info: 2 };

/** Every stored finding; a fix that is not valid JSON (a hand-edited database) is shown as absent. */
export async function listFindings(prisma: PrismaClient): Promise<FindingView[]> {
  const rows = await prisma.finding.findMany({ orderBy: [{ code: 'asc' }, { key: 'asc' }] });
  return rows
    .map((r) => ({
      key: r.key, code: r.code, severity: r.severity,
      resource: `${r.resourceKind} ${r.resourceNamespace ? `${r.resourceNamespace}/` : ''}${r.resourceName}`,
      location: r.location, title: r.title, message: r.message, fix: parseFix(r.fixJson),
      firstSeenMs: r.firstSeen?.getTime() ?? null, lastSeenMs: r.lastSeen?.getTime() ?? null,
      suppressedBy: r.suppressedBy, analyzedAtMs: r.analyzedAt.getTime(),
    }))
    .sort((a, b) => (severityRank[a.severity] ?? 3) - (severityRank[b.severity] ?? 3));
}

const fixSchema = z.object({
  summary: z.string(),
  files: z.array(z.object({ name: z.string(), description: z.string(), text: z.string() })).optional().catch(undefined),
});

function parseFix(json: string | null): FindingView['fix'] {
  if (!json) return null;
  try {
    const fix = fixSchema.safeParse(JSON.parse(json));
    return fix.success ? { summary: fix.data.summary, ...(fix.data.files ? { files: fix.data.files } : {}) } : null;
  } catch {
    return null;
  }
}
