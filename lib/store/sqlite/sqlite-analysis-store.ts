// SQLite side of the analysis store. Records are counted per (source pod, cluster, upstream, second) in SQL, so the
// analysis of a day of traffic reads thousands of rows rather than millions; counted in slots of whole minutes over a
// long window, whole minutes and hours come from the rollups (sqlite-rollups.ts), with the same counts.
import type Database from 'better-sqlite3';
import type {
  AnalysisStore, FailureCell, FindingRow, KubeObjectRow, SampleFilter, SampleRecord, TrafficCell,
} from '../analysis-store.ts';
import type { EndpointRow, IpRow } from '../collector-store.ts';
import { HOUR_MINUTES, MINUTE_MS } from '../rollup/rollup-accumulator.ts';
import { planRead, type Range, type ReadPlan } from '../rollup/rollup-plan.ts';
import { openSqlite } from './sqlite-ingest-store.ts';
import { periodRangeSql, rollupGaps } from './sqlite-rollups.ts';

type Num = number | bigint;
const num = (v: Num | null): number | null => (v === null ? null : Number(v));

export class SqliteAnalysisStore implements AnalysisStore {
  private readonly db: Database.Database;

  /** `rollups: false` reads every answer from the records (tests compare the two). */
  constructor(databaseUrl: string, private readonly options: { rollups?: boolean } = {}) {
    this.db = openSqlite(databaseUrl);
  }

  close(): void {
    this.db.close();
  }

  async recordTimeRange(o: { before?: number } = {}): Promise<{ fromMs: number; toMs: number } | null> {
    // Each end as its own walk of the startTime index: MIN and MAX in one statement make SQLite read every record
    // below the bound (0.8 s at 10M records).
    const row = this.db
      .prepare(`SELECT (SELECT "startTime" FROM "AccessRecord" WHERE "startTime" IS NOT NULL AND "startTime" < @before ORDER BY "startTime" ASC LIMIT 1) AS "from",
        (SELECT "startTime" FROM "AccessRecord" WHERE "startTime" < @before ORDER BY "startTime" DESC LIMIT 1) AS "to"`)
      .get({ before: o.before ?? Number.MAX_SAFE_INTEGER }) as { from: Num | null; to: Num | null };
    return row.from === null || row.to === null ? null : { fromMs: Number(row.from), toMs: Number(row.to) + 1 };
  }

  async recordsWithoutStartTime(): Promise<number> {
    return Number((this.db.prepare(`SELECT COUNT(*) AS n FROM "AccessRecord" WHERE "startTime" IS NULL`).get() as { n: Num }).n);
  }

  async recordsAfter(ms: number): Promise<number> {
    return Number((this.db.prepare(`SELECT COUNT(*) AS n FROM "AccessRecord" WHERE "startTime" >= ?`).get(ms) as { n: Num }).n);
  }

  async trafficCells(fromMs: number, toMs: number, slotSeconds = 1): Promise<TrafficCell[]> {
    const slotMs = Math.max(1, Math.floor(slotSeconds)) * 1000;
    return this.snapshot(() => {
      // Bound parameters arrive as REAL: cast, so the division stays an integer one.
      const raw = (range: Range) => this.db
        .prepare(
          `SELECT s."namespace" AS "sourceNamespace", s."pod" AS "sourcePod", r."upstreamCluster" AS "cluster",
             r."upstreamIp", r."upstreamKind", r."upstreamNamespace", r."upstreamPod", r."upstreamService",
             SUM(r."upstreamAmbiguous") AS "ambiguous", (r."startTime" / CAST(@slotMs AS INTEGER)) * CAST(@slotMs AS INTEGER) / 1000 AS "second", COUNT(*) AS "count"
           FROM "AccessRecord" r JOIN "Source" s ON s."id" = r."sourceId"
           WHERE r."startTime" >= @fromMs AND r."startTime" < @toMs
           GROUP BY s."namespace", s."pod", r."upstreamCluster", r."upstreamIp", r."upstreamKind", r."upstreamNamespace",
             r."upstreamPod", r."upstreamService", "second"
           ORDER BY "second"`,
        )
        .all({ fromMs: range[0], toMs: range[1], slotMs }) as CellRow[];
      // Slots of whole minutes over a long window: whole minutes and hours from the rollups (exact counts).
      const plan = this.plan(fromMs, toMs, { originMs: 0, bucketMs: slotMs });
      if (!plan) return raw([fromMs, toMs]).map(trafficCell);
      const cells = new Map<string, TrafficCell>();
      const add = (row: CellRow) => {
        const c = trafficCell(row);
        const key = JSON.stringify([c.sourceNamespace, c.sourcePod, c.cluster, c.upstreamIp, c.upstreamKind, c.upstreamNamespace, c.upstreamPod, c.upstreamService, c.second]);
        const seen = cells.get(key);
        if (seen) (seen.count += c.count), (seen.ambiguous += c.ambiguous);
        else cells.set(key, c);
      };
      for (const range of plan.raw) raw(range).forEach(add);
      const parts = [...plan.minutes.map((r) => [1, r] as const), ...plan.hours.map((r) => [HOUR_MINUTES, r] as const)];
      for (const [periodMinutes, range] of parts) {
        const period = periodRangeSql(periodMinutes, range);
        const rows = this.db
          .prepare(
            `SELECT s."namespace" AS "sourceNamespace", s."pod" AS "sourcePod", u."cluster" AS "cluster", u."upstreamIp",
               u."upstreamKind", u."upstreamNamespace", u."upstreamPod", u."upstreamService", SUM(u."ambiguous") AS "ambiguous",
               (u."periodStart" * 60000 / CAST(@slotMs AS INTEGER)) * CAST(@slotMs AS INTEGER) / 1000 AS "second", SUM(u."records") AS "count"
             FROM ${period.table} u JOIN "Source" s ON s."id" = u."sourceId"
             WHERE ${period.sql}
             GROUP BY s."namespace", s."pod", u."cluster", u."upstreamIp", u."upstreamKind", u."upstreamNamespace", u."upstreamPod",
               u."upstreamService", "second"`,
          )
          .all({ ...period.params, slotMs }) as CellRow[];
        rows.forEach(add);
      }
      return [...cells.values()].sort((a, b) => a.second - b.second);
    });
  }

  async failureCells(fromMs: number, toMs: number): Promise<FailureCell[]> {
    const has = (flag: string, alias: string) => `instr(',' || ${alias}."responseFlags" || ',', ',${flag},') > 0`;
    return this.snapshot(() => {
      const raw = (range: Range) => this.db
        .prepare(
          `SELECT "sourceNamespace", "sourcePod", "cluster", "upstreamIp", "flag", "second", COUNT(*) AS "count" FROM (
             SELECT s."namespace" AS "sourceNamespace", s."pod" AS "sourcePod", r."upstreamCluster" AS "cluster",
               r."upstreamIp", r."startTime" / 1000 AS "second",
               CASE WHEN ${has('UH', 'r')} THEN 'UH' WHEN ${has('UF', 'r')} THEN 'UF' WHEN ${has('NR', 'r')} THEN 'NR' END AS "flag"
             FROM "AccessRecord" r JOIN "Source" s ON s."id" = r."sourceId"
             WHERE r."startTime" >= ? AND r."startTime" < ? AND r."status" = 503 AND r."responseFlags" IS NOT NULL
           ) WHERE "flag" IS NOT NULL
           GROUP BY "sourceNamespace", "sourcePod", "cluster", "upstreamIp", "flag", "second" ORDER BY "second"`,
        )
        .all(range[0], range[1]) as (Omit<FailureCell, 'second' | 'count'> & { second: Num; count: Num })[];
      // Cells are per second, finer than any rollup; over a long window the rollups only tell which hours and minutes
      // hold such a 503, and the records are read there alone.
      const plan = this.plan(fromMs, toMs, null);
      const ranges = plan ? [...plan.raw, ...failureRanges(this.db, plan, `u."status" = 503 AND (${has('UH', 'u')} OR ${has('UF', 'u')} OR ${has('NR', 'u')})`)] : [[fromMs, toMs] as const];
      return ranges.flatMap(raw).map((r) => ({ ...r, second: Number(r.second), count: Number(r.count) })).sort((a, b) => a.second - b.second);
    });
  }

  /** Runs the reads of one answer in one read transaction: rollups and records seen at the same moment. */
  private snapshot<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** How to read [fromMs, toMs) counted in `grid` (null: per second, through the rollups' index only); null: records only. */
  private plan(fromMs: number, toMs: number, grid: { originMs: number; bucketMs: number } | null): ReadPlan | null {
    if (this.options.rollups === false) return null;
    const gaps = rollupGaps(this.db);
    return gaps && planRead(fromMs, toMs, { grid, uncovered: gaps });
  }

  async ipHistory(): Promise<IpRow[]> {
    const pods = this.db.prepare(`SELECT "ip", "namespace", "pod" AS "name", "podUid" AS "uid", "node", "fromTime", "toTime" FROM "PodIp"`).all() as RawRange[];
    const services = this.db.prepare(`SELECT "ip", "namespace", "service" AS "name", "serviceUid" AS "uid", "fromTime", "toTime" FROM "ServiceIp"`).all() as RawRange[];
    const row = (kind: 'pod' | 'service') => (r: RawRange): IpRow => ({
      kind, ip: r.ip, namespace: r.namespace, name: r.name, uid: r.uid, node: r.node ?? null, fromMs: Number(r.fromTime), toMs: num(r.toTime),
    });
    return [...pods.map(row('pod')), ...services.map(row('service'))];
  }

  async endpointHistory(): Promise<EndpointRow[]> {
    const rows = this.db
      .prepare(`SELECT "id", "namespace", "service", "ip", "pod", "podUid", "fromTime", "toTime" FROM "EndpointMember" ORDER BY "fromTime", "id"`)
      .all() as (Omit<EndpointRow, 'fromMs' | 'toMs'> & { fromTime: Num; toTime: Num | null })[];
    return rows.map(({ fromTime, toTime, ...r }) => ({ ...r, fromMs: Number(fromTime), toMs: num(toTime) }));
  }

  async kubeObjects(): Promise<KubeObjectRow[]> {
    const rows = this.db
      .prepare(`SELECT "kind", "namespace", "name", "uid", "json", "firstSeen", "lastSeen", "deletedAt" FROM "KubeObject" ORDER BY "kind", "namespace", "name", "id"`)
      .all() as (Omit<KubeObjectRow, 'firstSeenMs' | 'lastSeenMs' | 'deletedMs'> & { firstSeen: Num; lastSeen: Num; deletedAt: Num | null })[];
    return rows.map(({ firstSeen, lastSeen, deletedAt, ...r }) => ({ ...r, firstSeenMs: Number(firstSeen), lastSeenMs: Number(lastSeen), deletedMs: num(deletedAt) }));
  }

  async sampleRecords(f: SampleFilter, limit: number): Promise<SampleRecord[]> {
    const where = [`r."startTime" >= @fromMs`, `r."startTime" < @toMs`];
    if (f.sourceNamespace !== undefined) where.push(`s."namespace" IS @sourceNamespace`);
    if (f.sourcePod !== undefined) where.push(`s."pod" IS @sourcePod`);
    if (f.cluster !== undefined) where.push(`r."upstreamCluster" IS @cluster`);
    if (f.upstreamIp !== undefined) where.push(`r."upstreamIp" = @upstreamIp`);
    if (f.status !== undefined) where.push(`r."status" = @status`);
    const rows = this.db
      .prepare(
        `SELECT r."id", r."startTime", r."requestId", r."method", r."path", r."status", r."upstreamHost", r."upstreamCluster",
           r."responseFlags", s."namespace" AS "sourceNamespace", s."pod" AS "sourcePod"
         FROM "AccessRecord" r JOIN "Source" s ON s."id" = r."sourceId"
         WHERE ${where.join(' AND ')} ORDER BY r."startTime" DESC, r."id" DESC LIMIT @limit`,
      )
      .all({ ...f, limit: Math.max(1, Math.min(limit, 100)) }) as (Omit<SampleRecord, 'startTimeMs'> & { startTime: Num | null })[];
    return rows.map(({ startTime, ...r }) => ({ ...r, startTimeMs: num(startTime) }));
  }

  async replaceFindings(rows: FindingRow[]): Promise<void> {
    const insert = this.db.prepare(
      `INSERT INTO "Finding" ("key", "code", "severity", "resourceKind", "resourceNamespace", "resourceName", "location", "title",
         "message", "fixJson", "evidenceJson", "firstSeen", "lastSeen", "suppressedBy", "analyzedAt")
       VALUES (@key, @code, @severity, @resourceKind, @resourceNamespace, @resourceName, @location, @title, @message, @fixJson,
         @evidenceJson, @firstSeenMs, @lastSeenMs, @suppressedBy, @analyzedAtMs)`,
    );
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM "Finding"`).run();
      for (const row of rows) insert.run(row);
    })();
  }

  async findings(): Promise<FindingRow[]> {
    const rows = this.db
      .prepare(
        `SELECT "key", "code", "severity", "resourceKind", "resourceNamespace", "resourceName", "location", "title", "message",
           "fixJson", "evidenceJson", "firstSeen", "lastSeen", "suppressedBy", "analyzedAt" FROM "Finding"
         ORDER BY CASE "severity" WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, "code", "key"`,
      )
      .all() as (Omit<FindingRow, 'firstSeenMs' | 'lastSeenMs' | 'analyzedAtMs'> & { firstSeen: Num | null; lastSeen: Num | null; analyzedAt: Num })[];
    return rows.map(({ firstSeen, lastSeen, analyzedAt, ...r }) => ({ ...r, firstSeenMs: num(firstSeen), lastSeenMs: num(lastSeen), analyzedAtMs: Number(analyzedAt) }));
  }
}

type CellRow = Omit<TrafficCell, 'ambiguous' | 'second' | 'count'> & { ambiguous: Num; second: Num; count: Num };

/** A counted row as a cell; '' (the rollups' "not logged", or a logged empty text) reads as null on every path. */
function trafficCell(r: CellRow): TrafficCell {
  const t = <T extends string | null>(v: T) => (v === '' ? null : v);
  return {
    sourceNamespace: r.sourceNamespace, sourcePod: r.sourcePod, cluster: t(r.cluster), upstreamIp: t(r.upstreamIp),
    upstreamKind: t(r.upstreamKind) as TrafficCell['upstreamKind'], upstreamNamespace: t(r.upstreamNamespace),
    upstreamPod: t(r.upstreamPod), upstreamService: t(r.upstreamService),
    ambiguous: Number(r.ambiguous), second: Number(r.second), count: Number(r.count),
  };
}

/**
 * The ms ranges of a plan's rollup parts that may hold a record matching `candidate` (SQL over rollup rows `u`): an
 * hour whose rows show none is skipped, one that shows some is narrowed to its minutes; a period with no rows at all
 * (no records, or rollups pruned before the records) is kept, to be read.
 */
function failureRanges(db: Database.Database, plan: ReadPlan, candidate: string): Range[] {
  const flags = (periodMinutes: number, range: Range): Map<number, number> => {
    const period = periodRangeSql(periodMinutes, range);
    const rows = db.prepare(`SELECT u."periodStart" AS "p", MAX(CASE WHEN ${candidate} THEN 1 ELSE 0 END) AS "c" FROM ${period.table} u WHERE ${period.sql} GROUP BY u."periodStart"`)
      .all(period.params) as { p: Num; c: Num }[];
    return new Map(rows.map((r) => [Number(r.p), Number(r.c)]));
  };
  const out: Range[] = [];
  const push = (fromMinute: number, toMinute: number) => {
    const last = out.at(-1);
    if (last && last[1] === fromMinute * MINUTE_MS) out[out.length - 1] = [last[0], toMinute * MINUTE_MS];
    else out.push([fromMinute * MINUTE_MS, toMinute * MINUTE_MS]);
  };
  const scan = (periodMinutes: number, range: Range) => {
    const seen = flags(periodMinutes, range);
    for (let p = range[0]; p < range[1]; p += periodMinutes) {
      const c = seen.get(p);
      if (c === 0) continue;
      if (c === 1 && periodMinutes === HOUR_MINUTES) scan(1, [p, p + HOUR_MINUTES]);
      else push(p, p + periodMinutes);
    }
  };
  const parts = [...plan.minutes.map((r) => [1, r] as const), ...plan.hours.map((r) => [HOUR_MINUTES, r] as const)].sort((a, b) => a[1][0] - b[1][0]);
  for (const [periodMinutes, range] of parts) scan(periodMinutes, range);
  return out;
}

interface RawRange {
  ip: string;
  namespace: string;
  name: string;
  uid: string;
  node?: string | null;
  fromTime: Num;
  toTime: Num | null;
}
