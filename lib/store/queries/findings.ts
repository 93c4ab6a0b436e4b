// Reading the findings the last analysis stored, for the dashboard: errors first, silenced ones apart, filtered by
// severity and code, with their evidence; and how many each rule has.
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { parseEvidence, type FindingEvidence } from './finding-evidence.ts';

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
  evidence: FindingEvidence;
}

export interface FindingFilter {
  severity?: string;
  code?: string;
  /** false leaves silenced findings out; by default they are included. */
  silenced?: boolean;
}

const severityRank: Record<string, number> = { error: 0, warning: 1, info: 2 };

/** Binary text order, as SQLite sorts text, whatever a PostgreSQL database's collation would say. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The stored findings matching the filter (every one by default); a fix or evidence that is not valid JSON (a
 * hand-edited database) is shown as absent.
 */
export async function listFindings(prisma: PrismaClient, filter: FindingFilter = {}): Promise<FindingView[]> {
  const where = {
    ...(filter.severity !== undefined ? { severity: filter.severity } : {}),
    ...(filter.code !== undefined ? { code: filter.code } : {}),
    ...(filter.silenced === false ? { suppressedBy: null } : {}),
  };
  // Sorted here rather than by the database: PostgreSQL would order text by its collation.
  const rows = await prisma.finding.findMany({ where });
  return rows
    .map((r) => ({
      key: r.key, code: r.code, severity: r.severity,
      resource: `${r.resourceKind} ${r.resourceNamespace ? `${r.resourceNamespace}/` : ''}${r.resourceName}`,
      location: r.location, title: r.title, message: r.message, fix: parseFix(r.fixJson),
      firstSeenMs: r.firstSeen?.getTime() ?? null, lastSeenMs: r.lastSeen?.getTime() ?? null,
      suppressedBy: r.suppressedBy, analyzedAtMs: r.analyzedAt.getTime(), evidence: parseEvidence(r.evidenceJson),
    }))
    .sort((a, b) => (severityRank[a.severity] ?? 3) - (severityRank[b.severity] ?? 3) || byCodePoint(a.code, b.code) || byCodePoint(a.key, b.key));
}

export interface FindingCount {
  shown: number;
  silenced: number;
}

export interface FindingCounts {
  total: FindingCount;
  bySeverity: Record<string, FindingCount>;
  byCode: Record<string, FindingCount>;
  /** When the last analysis ran; null when no finding is stored. */
  analyzedAtMs: number | null;
}

/** How many findings are stored, shown and silenced, in all, per severity and per rule code. */
export async function findingCounts(prisma: PrismaClient): Promise<FindingCounts> {
  const [groups, last] = await Promise.all([
    prisma.finding.groupBy({ by: ['code', 'severity', 'suppressedBy'], _count: { _all: true } }),
    prisma.finding.aggregate({ _max: { analyzedAt: true } }),
  ]);
  // Keyed by stored text: objects without a prototype, so no key can reach Object.prototype.
  const counts: FindingCounts = {
    total: { shown: 0, silenced: 0 }, bySeverity: Object.create(null), byCode: Object.create(null), analyzedAtMs: last._max.analyzedAt?.getTime() ?? null,
  };
  // Codes (and severities) become keys in the order met: sorted as SQLite sorts them.
  for (const g of groups.sort((a, b) => byCodePoint(a.code, b.code) || byCodePoint(a.severity, b.severity))) {
    const field = g.suppressedBy === null ? 'shown' : 'silenced';
    for (const c of [counts.total, (counts.bySeverity[g.severity] ??= { shown: 0, silenced: 0 }), (counts.byCode[g.code] ??= { shown: 0, silenced: 0 })]) {
      c[field] += g._count._all;
    }
  }
  return counts;
}

/** The Findings page: the findings matching the filter and the counts over all of them. */
export async function findingsPage(prisma: PrismaClient, filter: FindingFilter): Promise<{ findings: FindingView[]; counts: FindingCounts }> {
  const [findings, counts] = await Promise.all([listFindings(prisma, filter), findingCounts(prisma)]);
  return { findings, counts };
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

/** The counts, or null when the database was never migrated (nothing analysed yet): what the rule pages show. */
export async function findingCountsIfAny(prisma: PrismaClient): Promise<FindingCounts | null> {
  try {
    return await findingCounts(prisma);
  } catch (err) {
    if ((err as { code?: string }).code === 'P2021') return null;
    throw err;
  }
}
