// PostgreSQL side of the analysis store: the same counts and rows as SqliteAnalysisStore. Records are filtered on
// "startTime" against constant timestamps (its index serves the window) and grouped on their epoch second, which
// integer division on epoch ms gives exactly as SQLite's does (truncating). Bounds in ms are rounded up to
// whole milliseconds, which selects what SQLite's comparison of integers with them selects. Text sorts as SQLite sorts it, by code
// point, whatever the database's collation.
//
// Counted in slots of whole minutes over a long window, whole minutes and hours come from the rollups
// (postgres-rollups.ts), with the same counts; Envoy's own 503s are looked for in the records only where the rollups
// show some. The reads of one answer share one snapshot. Stores share one pool per database in the process.
import type pg from 'pg';
import type {
  AnalysisStore, FailureCell, FindingRow, KubeObjectRow, SampleFilter, SampleRecord, TrafficCell,
} from '../analysis-store.ts';
import type { EndpointRow, IpRow } from '../collector-store.ts';
import { HOUR_MINUTES, MINUTE_MS } from '../rollup/rollup-accumulator.ts';
import { planRead, rollupParts, type Range, type ReadPlan } from '../rollup/rollup-plan.ts';
import { ipHistoryOf } from './postgres-collector-store.ts';
import { boundMs, C, inTransaction, msOf, num, numOrNull, pgText, sharedPool, SNAPSHOT_BEGIN, textArray, tsOf } from './pg-sql.ts';
import { recordRangesSql, rollupGaps, rollupRowsSql, SqlParams } from './postgres-rollup-reads.ts';
import { hasRollupTables } from './postgres-rollups.ts';

const startMs = msOf('r."startTime"');

type Client = pg.Pool | pg.PoolClient;

export class PostgresAnalysisStore implements AnalysisStore {
  private readonly pool: pg.Pool;
  /** Whether the database has rollup tables; asked once. */
  private rollupTables: Promise<boolean> | undefined;

  /** `rollups: false` reads every answer from the records (tests compare the two). */
  constructor(databaseUrl: string, private readonly options: { rollups?: boolean } = {}) {
    this.pool = sharedPool(databaseUrl);
  }

  /** The pool is shared with the process's other readers of this database: it stays open (pg-sql.ts' endSharedPools). */
  close(): void {}

  async recordTimeRange(o: { before?: number } = {}): Promise<{ fromMs: number; toMs: number } | null> {
    const { rows } = await this.pool.query(
      `SELECT ${msOf('MIN("startTime")')} AS "from", ${msOf('MAX("startTime")')} AS "to" FROM "AccessRecord"
       ${o.before === undefined ? '' : `WHERE "startTime" < ${tsOf('$1')}`}`,
      o.before === undefined ? [] : [boundMs(o.before)],
    );
    const row = rows[0]!;
    return row.from === null || row.to === null ? null : { fromMs: num(row.from), toMs: num(row.to) + 1 };
  }

  async recordsWithoutStartTime(): Promise<number> {
    const { rows } = await this.pool.query(`SELECT count(*) AS "n" FROM "AccessRecord" WHERE "startTime" IS NULL`);
    return num(rows[0]!.n);
  }

  async recordsAfter(ms: number): Promise<number> {
    const { rows } = await this.pool.query(`SELECT count(*) AS "n" FROM "AccessRecord" WHERE "startTime" >= ${tsOf('$1')}`, [boundMs(ms)]);
    return num(rows[0]!.n);
  }

  async trafficCells(fromMs: number, toMs: number, slotSeconds = 1): Promise<TrafficCell[]> {
    const slotMs = Math.max(1, Math.floor(slotSeconds)) * 1000;
    // Slots of whole minutes over a long window: whole minutes and hours from the rollups (exact counts).
    return this.answer(fromMs, toMs, { originMs: 0, bucketMs: slotMs }, async (c, plan) => {
      const p = new SqlParams();
      const slot = `${p.add(slotMs)}::int8`;
      const raw = `SELECT s."namespace" AS "sourceNamespace", s."pod" AS "sourcePod", r."upstreamCluster" AS "cluster",
          r."upstreamIp", r."upstreamKind", r."upstreamNamespace", r."upstreamPod", r."upstreamService",
          count(*) FILTER (WHERE r."upstreamAmbiguous") AS "ambiguous", ${startMs} / ${slot} * ${slot} / 1000 AS "second",
          count(*) AS "count"
        FROM "AccessRecord" r JOIN "Source" s ON s."id" = r."sourceId"
        WHERE ${recordRangesSql(plan ? plan.raw : [[fromMs, toMs]], p)}
        GROUP BY s."namespace", s."pod", r."upstreamCluster", r."upstreamIp", r."upstreamKind", r."upstreamNamespace",
          r."upstreamPod", r."upstreamService", "second"`;
      if (!plan) return (await c.query(`${raw} ORDER BY "second"`, p.values)).rows.map(trafficCell);
      const rolled = `SELECT s."namespace", s."pod", u."cluster", u."upstreamIp", u."upstreamKind", u."upstreamNamespace",
          u."upstreamPod", u."upstreamService", SUM(u."ambiguous"), u."periodStart"::int8 * 60000 / ${slot} * ${slot} / 1000 AS "second",
          SUM(u."records")
        FROM ${rollupRowsSql(rollupParts(plan), p)} JOIN "Source" s ON s."id" = u."sourceId"
        GROUP BY s."namespace", s."pod", u."cluster", u."upstreamIp", u."upstreamKind", u."upstreamNamespace", u."upstreamPod",
          u."upstreamService", "second"`;
      const cells = new Map<string, TrafficCell>();
      for (const row of (await c.query(`${raw} UNION ALL ${rolled}`, p.values)).rows) {
        const cell = trafficCell(row);
        const key = JSON.stringify([cell.sourceNamespace, cell.sourcePod, cell.cluster, cell.upstreamIp, cell.upstreamKind, cell.upstreamNamespace,
          cell.upstreamPod, cell.upstreamService, cell.second]);
        const seen = cells.get(key);
        if (seen) (seen.count += cell.count), (seen.ambiguous += cell.ambiguous);
        else cells.set(key, cell);
      }
      return [...cells.values()].sort((a, b) => a.second - b.second);
    });
  }

  async failureCells(fromMs: number, toMs: number): Promise<FailureCell[]> {
    const has = (flag: string, alias: string) => `position(',${flag},' IN ',' || ${alias}."responseFlags" || ',') > 0`;
    // Cells are per second, finer than any rollup; over a long window the rollups only tell which hours and minutes
    // hold such a 503, and the records are read there alone.
    const bounded = Number.isFinite(fromMs) && Number.isFinite(toMs);
    return this.answer(fromMs, toMs, null, async (c, plan) => {
      let ranges: Range[] = [[fromMs, toMs]];
      if (plan && bounded) {
        // Worth it where such 503s are rare: many ranges, or much of the window, read faster as the window itself.
        const candidate = `u."status" = 503 AND (${has('UH', 'u')} OR ${has('UF', 'u')} OR ${has('NR', 'u')})`;
        const found = await failureRanges(c, plan, candidate, (toMs - fromMs) / 4);
        const narrowed = found && coalesce([...plan.raw, ...found]);
        if (narrowed && narrowed.length <= MAX_FAILURE_RANGES) ranges = narrowed;
      }
      if (ranges.length === 0) return [];
      // A statement per hundred ranges. A second never spans two ranges: they meet at whole minutes, or at the window's
      // own ends.
      const cells: FailureCell[] = [];
      for (let i = 0; i < ranges.length; i += 100) {
        const p = new SqlParams();
        const { rows } = await c.query(
          `SELECT "sourceNamespace", "sourcePod", "cluster", "upstreamIp", "flag", "second", count(*) AS "count" FROM (
             SELECT s."namespace" AS "sourceNamespace", s."pod" AS "sourcePod", r."upstreamCluster" AS "cluster",
               r."upstreamIp", ${startMs} / 1000 AS "second",
               CASE WHEN ${has('UH', 'r')} THEN 'UH' WHEN ${has('UF', 'r')} THEN 'UF' WHEN ${has('NR', 'r')} THEN 'NR' END AS "flag"
             FROM "AccessRecord" r JOIN "Source" s ON s."id" = r."sourceId"
             WHERE ${recordRangesSql(ranges.slice(i, i + 100), p)} AND r."status" = 503 AND r."responseFlags" IS NOT NULL
           ) f WHERE "flag" IS NOT NULL
           GROUP BY "sourceNamespace", "sourcePod", "cluster", "upstreamIp", "flag", "second" ORDER BY "second"`,
          p.values,
        );
        for (const r of rows) {
          cells.push({
            sourceNamespace: r.sourceNamespace, sourcePod: r.sourcePod, cluster: r.cluster, upstreamIp: r.upstreamIp,
            flag: r.flag, second: num(r.second), count: num(r.count),
          });
        }
      }
      return ranges.length > 100 ? cells.sort((a, b) => a.second - b.second) : cells;
    });
  }

  /**
   * Runs the reads of one answer over [fromMs, toMs) counted in `grid` (null: per second, through the rollups' index
   * only): on the pool with the records alone, or in one read-only snapshot with the plan of what rollups answer.
   */
  private async answer<T>(fromMs: number, toMs: number, grid: { originMs: number; bucketMs: number } | null,
    fn: (c: Client, plan: ReadPlan | null) => Promise<T>): Promise<T> {
    if (this.options.rollups === false || !planRead(fromMs, toMs, { grid, uncovered: [] })) return fn(this.pool, null);
    this.rollupTables ??= hasRollupTables(this.pool);
    if (!(await this.rollupTables.catch(() => false))) return fn(this.pool, null);
    return inTransaction(this.pool, async (client) => {
      const gaps = await rollupGaps(client);
      return fn(client, gaps && planRead(fromMs, toMs, { grid, uncovered: gaps }));
    }, SNAPSHOT_BEGIN);
  }

  async ipHistory(): Promise<IpRow[]> {
    return ipHistoryOf(this.pool);
  }

  async endpointHistory(): Promise<EndpointRow[]> {
    const { rows } = await this.pool.query(
      `SELECT "id", "namespace", "service", "ip", "pod", "podUid", ${msOf('"fromTime"')} AS "fromMs", ${msOf('"toTime"')} AS "toMs"
       FROM "EndpointMember" ORDER BY "fromTime", "id"`,
    );
    return rows.map((r) => ({
      id: r.id, namespace: r.namespace, service: r.service, ip: r.ip, pod: r.pod, podUid: r.podUid, fromMs: num(r.fromMs), toMs: numOrNull(r.toMs),
    }));
  }

  async kubeObjects(): Promise<KubeObjectRow[]> {
    const { rows } = await this.pool.query(
      `SELECT "kind", "namespace", "name", "uid", "json", ${msOf('"firstSeen"')} AS "firstSeenMs", ${msOf('"lastSeen"')} AS "lastSeenMs",
         ${msOf('"deletedAt"')} AS "deletedMs"
       FROM "KubeObject" ORDER BY "kind" ${C}, "namespace" ${C}, "name" ${C}, "id"`,
    );
    return rows.map((r) => ({
      kind: r.kind, namespace: r.namespace, name: r.name, uid: r.uid, json: r.json,
      firstSeenMs: num(r.firstSeenMs), lastSeenMs: num(r.lastSeenMs), deletedMs: numOrNull(r.deletedMs),
    }));
  }

  async sampleRecords(f: SampleFilter, limit: number): Promise<SampleRecord[]> {
    const params: unknown[] = [boundMs(f.fromMs), boundMs(f.toMs)];
    const where = [`r."startTime" >= ${tsOf('$1')}`, `r."startTime" < ${tsOf('$2')}`];
    const add = (sql: (p: string) => string, value: unknown) => where.push(sql(`$${params.push(value)}`));
    // SQLite's `IS`: equal, or both null.
    if (f.sourceNamespace !== undefined) add((p) => `s."namespace" IS NOT DISTINCT FROM ${p}::text`, pgText(f.sourceNamespace));
    if (f.sourcePod !== undefined) add((p) => `s."pod" IS NOT DISTINCT FROM ${p}::text`, pgText(f.sourcePod));
    if (f.cluster !== undefined) add((p) => `r."upstreamCluster" IS NOT DISTINCT FROM ${p}::text`, pgText(f.cluster));
    if (f.upstreamIp !== undefined) add((p) => `r."upstreamIp" = ${p}::text`, pgText(f.upstreamIp));
    if (f.status !== undefined) add((p) => `r."status" = ${p}::int4`, f.status);
    params.push(Math.max(1, Math.min(Math.floor(limit), 100)));
    const { rows } = await this.pool.query(
      `SELECT r."id", ${startMs} AS "startTimeMs", r."requestId", r."method", r."path", r."status", r."upstreamHost",
         r."upstreamCluster", r."responseFlags", s."namespace" AS "sourceNamespace", s."pod" AS "sourcePod"
       FROM "AccessRecord" r JOIN "Source" s ON s."id" = r."sourceId"
       WHERE ${where.join(' AND ')} ORDER BY r."startTime" DESC, r."id" DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id, startTimeMs: numOrNull(r.startTimeMs), requestId: r.requestId, method: r.method, path: r.path, status: r.status,
      upstreamHost: r.upstreamHost, upstreamCluster: r.upstreamCluster, responseFlags: r.responseFlags,
      sourceNamespace: r.sourceNamespace, sourcePod: r.sourcePod,
    }));
  }

  async replaceFindings(rows: FindingRow[]): Promise<void> {
    const col = <K extends keyof FindingRow>(k: K) => rows.map((r) => r[k]);
    const text = (k: keyof FindingRow) => textArray(col(k).map((v) => pgText(v as string | null)));
    const ms = (k: 'firstSeenMs' | 'lastSeenMs' | 'analyzedAtMs') => `{${col(k).map((v) => (v === null ? 'NULL' : String(Math.floor(v)))).join(',')}}`;
    await inTransaction(this.pool, async (client) => {
      // One replacement at a time (readers go on): a second one waits, then deletes what the first stored, as SQLite's
      // single writer would have it, instead of colliding with the first's keys.
      await client.query(`LOCK TABLE "Finding" IN SHARE ROW EXCLUSIVE MODE`);
      await client.query(`DELETE FROM "Finding"`);
      if (rows.length === 0) return;
      await client.query(
        `INSERT INTO "Finding" ("key", "code", "severity", "resourceKind", "resourceNamespace", "resourceName", "location", "title",
           "message", "fixJson", "evidenceJson", "firstSeen", "lastSeen", "suppressedBy", "analyzedAt")
         SELECT u."key", u."code", u."severity", u."resourceKind", u."resourceNamespace", u."resourceName", u."location", u."title",
           u."message", u."fixJson", u."evidenceJson", ${tsOf('u."firstSeen"')}, ${tsOf('u."lastSeen"')}, u."suppressedBy", ${tsOf('u."analyzedAt"')}
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
           $10::text[], $11::text[], $12::int8[], $13::int8[], $14::text[], $15::int8[])
           WITH ORDINALITY AS u("key", "code", "severity", "resourceKind", "resourceNamespace", "resourceName", "location", "title",
             "message", "fixJson", "evidenceJson", "firstSeen", "lastSeen", "suppressedBy", "analyzedAt", "n")
         ORDER BY u."n"`,
        [
          text('key'), text('code'), text('severity'), text('resourceKind'), text('resourceNamespace'), text('resourceName'),
          text('location'), text('title'), text('message'), text('fixJson'), text('evidenceJson'), ms('firstSeenMs'),
          ms('lastSeenMs'), text('suppressedBy'), ms('analyzedAtMs'),
        ],
      );
    });
  }

  async findings(): Promise<FindingRow[]> {
    const { rows } = await this.pool.query(
      `SELECT "key", "code", "severity", "resourceKind", "resourceNamespace", "resourceName", "location", "title", "message",
         "fixJson", "evidenceJson", ${msOf('"firstSeen"')} AS "firstSeenMs", ${msOf('"lastSeen"')} AS "lastSeenMs", "suppressedBy",
         ${msOf('"analyzedAt"')} AS "analyzedAtMs"
       FROM "Finding"
       ORDER BY CASE "severity" WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, "code" ${C}, "key" ${C}`,
    );
    return rows.map((r) => ({
      key: r.key, code: r.code, severity: r.severity, resourceKind: r.resourceKind, resourceNamespace: r.resourceNamespace,
      resourceName: r.resourceName, location: r.location, title: r.title, message: r.message, fixJson: r.fixJson,
      evidenceJson: r.evidenceJson, firstSeenMs: numOrNull(r.firstSeenMs), lastSeenMs: numOrNull(r.lastSeenMs),
      suppressedBy: r.suppressedBy, analyzedAtMs: num(r.analyzedAtMs),
    }));
  }
}

/** A counted row as a cell; '' (the rollups' "not logged", or a logged empty text) reads as null on every path. */
function trafficCell(r: Record<string, unknown>): TrafficCell {
  const t = (v: unknown) => (v === '' ? null : (v as string | null));
  const values = Object.values(r);
  // Columns by position: the rollups' half of a UNION takes the records' names.
  const [sourceNamespace, sourcePod, cluster, upstreamIp, upstreamKind, upstreamNamespace, upstreamPod, upstreamService, ambiguous, second, count] = values;
  return {
    sourceNamespace: sourceNamespace as string | null, sourcePod: sourcePod as string | null, cluster: t(cluster), upstreamIp: t(upstreamIp),
    upstreamKind: t(upstreamKind) as TrafficCell['upstreamKind'], upstreamNamespace: t(upstreamNamespace), upstreamPod: t(upstreamPod),
    upstreamService: t(upstreamService), ambiguous: num(ambiguous as string), second: num(second as string), count: num(count as string),
  };
}

/** Record ranges one failureCells answer reads at most; beyond, it reads its window whole. */
const MAX_FAILURE_RANGES = 100;

/** Ranges sorted, those less than a quarter of an hour apart joined (fewer, longer index ranges read). */
function coalesce(ranges: Range[]): Range[] {
  const out: Range[] = [];
  for (const r of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = out.at(-1);
    if (last && r[0] - last[1] < 15 * MINUTE_MS) out[out.length - 1] = [last[0], Math.max(last[1], r[1])];
    else out.push(r);
  }
  return out;
}

/**
 * The ms ranges of a plan's rollup parts that may hold a record matching `candidate` (SQL over rollup rows `u`): an
 * hour whose rows show none is skipped, one that shows some is narrowed to its minutes; a period with no rows at all
 * (no records, or rollups pruned before the records) is kept, to be read. Two statements: the hours, then the minutes
 * of the hours that show some. Null as soon as the ranges would cover more than `budgetMs` (then the records of the
 * whole window are read faster).
 */
async function failureRanges(c: Client, plan: ReadPlan, candidate: string, budgetMs: number): Promise<Range[] | null> {
  const flags = async (parts: { periodMinutes: 1 | 60; range: Range }[]): Promise<Map<number, boolean>> => {
    if (parts.length === 0) return new Map();
    const p = new SqlParams();
    const { rows } = await c.query<[number, boolean]>({
      text: `SELECT u."periodStart", bool_or(${candidate}) FROM ${rollupRowsSql(parts, p)} GROUP BY u."periodStart"`,
      values: p.values,
      rowMode: 'array',
    });
    return new Map(rows.map(([period, any]) => [period, any]));
  };
  const parts = rollupParts(plan).sort((a, b) => a.range[0] - b.range[0]);
  const hours = await flags(parts.filter((x) => x.periodMinutes === HOUR_MINUTES));
  const flagged = [...hours].filter(([, any]) => any).map(([h]): Range => [h, h + HOUR_MINUTES]);
  if (flagged.length * HOUR_MINUTES * MINUTE_MS > budgetMs) return null;
  const minutes = await flags([
    ...parts.filter((x) => x.periodMinutes === 1),
    ...flagged.map((range) => ({ periodMinutes: 1 as const, range })),
  ]);
  const out: Range[] = [];
  const push = (fromMinute: number, toMinute: number) => {
    const last = out.at(-1);
    if (last && last[1] === fromMinute * MINUTE_MS) out[out.length - 1] = [last[0], toMinute * MINUTE_MS];
    else out.push([fromMinute * MINUTE_MS, toMinute * MINUTE_MS]);
  };
  const scanMinutes = (range: Range) => {
    for (let m = range[0]; m < range[1]; m++) if (minutes.get(m) !== false) push(m, m + 1);
  };
  for (const { periodMinutes, range } of parts) {
    if (periodMinutes === 1) {
      scanMinutes(range);
      continue;
    }
    for (let h = range[0]; h < range[1]; h += HOUR_MINUTES) {
      const any = hours.get(h);
      if (any === false) continue;
      if (any === true) scanMinutes([h, h + HOUR_MINUTES]);
      else push(h, h + HOUR_MINUTES);
    }
  }
  return out.reduce((n, r) => n + (r[1] - r[0]), 0) > budgetMs ? null : out;
}
