// SQLite side of the analysis store. Records are counted per (source pod, cluster, upstream, second) in SQL, so the
// analysis of a day of traffic reads thousands of rows rather than millions.
import type Database from 'better-sqlite3';
import type {
  AnalysisStore, FailureCell, FindingRow, KubeObjectRow, SampleFilter, SampleRecord, TrafficCell,
} from '../analysis-store.ts';
import type { EndpointRow, IpRow } from '../collector-store.ts';
import { openSqlite } from './sqlite-ingest-store.ts';

type Num = number | bigint;
const num = (v: Num | null): number | null => (v === null ? null : Number(v));

export class SqliteAnalysisStore implements AnalysisStore {
  private readonly db: Database.Database;

  constructor(databaseUrl: string) {
    this.db = openSqlite(databaseUrl);
  }

  close(): void {
    this.db.close();
  }

  async recordTimeRange(o: { before?: number } = {}): Promise<{ fromMs: number; toMs: number } | null> {
    const row = this.db
      .prepare(`SELECT MIN("startTime") AS "from", MAX("startTime") AS "to" FROM "AccessRecord" WHERE "startTime" < ?`)
      .get(o.before ?? Number.MAX_SAFE_INTEGER) as { from: Num | null; to: Num | null };
    return row.from === null || row.to === null ? null : { fromMs: Number(row.from), toMs: Number(row.to) + 1 };
  }

  async recordsWithoutStartTime(): Promise<number> {
    return Number((this.db.prepare(`SELECT COUNT(*) AS n FROM "AccessRecord" WHERE "startTime" IS NULL`).get() as { n: Num }).n);
  }

  async recordsAfter(ms: number): Promise<number> {
    return Number((this.db.prepare(`SELECT COUNT(*) AS n FROM "AccessRecord" WHERE "startTime" >= ?`).get(ms) as { n: Num }).n);
  }

  async trafficCells(fromMs: number, toMs: number, slotSeconds = 1): Promise<TrafficCell[]> {
    // Bound parameters arrive as REAL: cast, so the division stays an integer one.
    const slotMs = Math.max(1, Math.floor(slotSeconds)) * 1000;
    const rows = this.db
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
      .all({ fromMs, toMs, slotMs }) as (Omit<TrafficCell, 'ambiguous' | 'second' | 'count'> & { ambiguous: Num; second: Num; count: Num })[];
    return rows.map((r) => ({ ...r, ambiguous: Number(r.ambiguous), second: Number(r.second), count: Number(r.count) }));
  }

  async failureCells(fromMs: number, toMs: number): Promise<FailureCell[]> {
    const has = (flag: string) => `instr(',' || r."responseFlags" || ',', ',${flag},') > 0`;
    const rows = this.db
      .prepare(
        `SELECT "sourceNamespace", "sourcePod", "cluster", "upstreamIp", "flag", "second", COUNT(*) AS "count" FROM (
           SELECT s."namespace" AS "sourceNamespace", s."pod" AS "sourcePod", r."upstreamCluster" AS "cluster",
             r."upstreamIp", r."startTime" / 1000 AS "second",
             CASE WHEN ${has('UH')} THEN 'UH' WHEN ${has('UF')} THEN 'UF' WHEN ${has('NR')} THEN 'NR' END AS "flag"
           FROM "AccessRecord" r JOIN "Source" s ON s."id" = r."sourceId"
           WHERE r."startTime" >= ? AND r."startTime" < ? AND r."status" = 503 AND r."responseFlags" IS NOT NULL
         ) WHERE "flag" IS NOT NULL
         GROUP BY "sourceNamespace", "sourcePod", "cluster", "upstreamIp", "flag", "second" ORDER BY "second"`,
      )
      .all(fromMs, toMs) as (Omit<FailureCell, 'second' | 'count'> & { second: Num; count: Num })[];
    return rows.map((r) => ({ ...r, second: Number(r.second), count: Number(r.count) }));
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

interface RawRange {
  ip: string;
  namespace: string;
  name: string;
  uid: string;
  node?: string | null;
  fromTime: Num;
  toTime: Num | null;
}
