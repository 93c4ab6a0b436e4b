// The check every collector test ends with: each access-log line the simulator wrote (its ground truth, per container
// instance) is stored exactly once, or lies inside a gap the collector recorded for that container; and nothing is
// stored that was not written. Lines are matched by container instance and X-Request-ID.
import Database from 'better-sqlite3';
import type { Simulation } from '../simulator/simulation.ts';

export interface WrittenLine {
  podUid: string;
  container: string;
  containerId: string;
  requestId: string;
  time: string;
}

export interface Comparison {
  written: number;
  stored: number;
  /** Written, not stored, and in no gap: lost silently. */
  missing: WrittenLine[];
  /** Stored more than once. */
  duplicated: string[];
  /** Stored but never written. */
  unexpected: string[];
  /** Written, not stored, inside a recorded gap. */
  inGaps: number;
  gaps: { podUid: string | null; container: string; fromTime: string | null; toTime: string | null; reason: string }[];
}

const ENVOY_CONTAINERS = ['envoy', 'istio-proxy'];

export function writtenAccessLines(sim: Simulation, containers = ENVOY_CONTAINERS): WrittenLine[] {
  const out: WrittenLine[] = [];
  for (const i of sim.logs.all()) {
    if (!containers.includes(i.ref.container)) continue;
    for (const l of i.lines) {
      if (!l.requestId || l.partial) continue;
      out.push({ podUid: i.ref.podUid ?? '', container: i.ref.container, containerId: i.containerID, requestId: l.requestId, time: l.time });
    }
  }
  return out;
}

export function compareWithStore(sim: Simulation, dbFile: string, containers = ENVOY_CONTAINERS): Comparison {
  const written = writtenAccessLines(sim, containers);
  const db = new Database(dbFile, { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT s."containerId" AS c, r."requestId" AS r FROM "AccessRecord" r JOIN "Source" s ON s."id" = r."sourceId" WHERE s."kind" = 'pod'`)
      .all() as { c: string; r: string | null }[];
    const gaps = db.prepare(`SELECT "podUid", "container", "fromTime", "toTime", "reason" FROM "IngestGap"`).all() as Comparison['gaps'];
    const stored = new Map<string, number>();
    for (const row of rows) stored.set(`${row.c}|${row.r}`, (stored.get(`${row.c}|${row.r}`) ?? 0) + 1);
    const writtenKeys = new Set(written.map((w) => `${w.containerId}|${w.requestId}`));
    const inGap = (w: WrittenLine) =>
      gaps.some((g) => g.podUid === w.podUid && g.container === w.container && (g.fromTime === null || w.time > g.fromTime) && (g.toTime === null || w.time < g.toTime));
    const missing: WrittenLine[] = [];
    let inGaps = 0;
    for (const w of written) {
      if ((stored.get(`${w.containerId}|${w.requestId}`) ?? 0) > 0) continue;
      if (inGap(w)) inGaps++;
      else missing.push(w);
    }
    return {
      written: written.length,
      stored: rows.length,
      missing,
      duplicated: [...stored].filter(([, n]) => n > 1).map(([k]) => k),
      unexpected: [...stored.keys()].filter((k) => !writtenKeys.has(k)),
      inGaps,
      gaps,
    };
  } finally {
    db.close();
  }
}

/** One line for an assertion message. */
export function describeComparison(c: Comparison): string {
  const first = c.missing.slice(0, 3).map((m) => `${m.containerId.slice(13, 25)} ${m.time} ${m.requestId}`);
  return `written ${c.written}, stored ${c.stored}, missing ${c.missing.length} [${first.join('; ')}], duplicated ${c.duplicated.length}, unexpected ${c.unexpected.length}, in gaps ${c.inGaps}, gaps ${JSON.stringify(c.gaps)}`;
}
