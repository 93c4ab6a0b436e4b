// PostgreSQL side of the collector store: the small, infrequent writes (gaps, IP ranges, endpoints, Kubernetes
// objects, status) beside the record path it inherits. Each is one statement, but for the gaps and endpoint ranges that
// several collectors may add alike (one transaction under a lock on the row's key); times travel as epoch ms (pg-sql.ts).
import type pg from 'pg';
import type { KubeObjectRow } from '../analysis-store.ts';
import type { CollectorStatusRow, CollectorStore, EndpointRow, GapRow, IpRow, KnownInstance } from '../collector-store.ts';
import { checkpointOf, PostgresIngestStore } from './postgres-ingest-store.ts';
import { C, inTransaction, msOf, num, numOrNull, pgText, tsOf } from './pg-sql.ts';

export class PostgresCollectorStore extends PostgresIngestStore implements CollectorStore {
  async instancesOf(podUid: string, container: string): Promise<KnownInstance[]> {
    const { rows } = await this.pool.query(
      `SELECT s."id" AS "sourceId", s."containerId", c."sourceId" AS "checkpointOf", c."linesRead", c."bytesRead",
         c."fingerprint", c."watermark", c."watermarkCount", c."records", c."rejected", c."ambiguous", c."otherLines", c."finished"
       FROM "Source" s LEFT JOIN "IngestCheckpoint" c ON c."sourceId" = s."id"
       WHERE s."kind" = 'pod' AND s."podUid" = $1 AND s."container" = $2 ORDER BY s."id"`,
      [pgText(podUid), pgText(container)],
    );
    return rows.map((r) => ({ sourceId: r.sourceId, containerId: r.containerId, checkpoint: r.checkpointOf === null ? null : checkpointOf(r) }));
  }

  async recordGap(g: GapRow): Promise<number> {
    const key = ['gap', g.namespace, g.pod, g.podUid ?? '', g.container, g.containerId ?? '', g.reason, g.fromTime ?? ''];
    return inTransaction(this.pool, async (c) => {
      await lockKey(c, key);
      const same = await c.query<{ id: number }>(
        `SELECT "id" FROM "IngestGap" WHERE "namespace" = $1 AND "pod" = $2 AND "podUid" IS NOT DISTINCT FROM $3 AND "container" = $4
           AND "containerId" IS NOT DISTINCT FROM $5 AND "reason" = $6 AND "fromTime" IS NOT DISTINCT FROM $7 LIMIT 1`,
        [pgText(g.namespace), pgText(g.pod), pgText(g.podUid), pgText(g.container), pgText(g.containerId), g.reason, pgText(g.fromTime)],
      );
      if (same.rows[0]) return same.rows[0].id;
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO "IngestGap" ("sourceId", "namespace", "pod", "podUid", "container", "containerId", "fromTime", "toTime",
           "reason", "detail", "createdAt") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ${tsOf('$11')}) RETURNING "id"`,
        [g.sourceId ?? null, pgText(g.namespace), pgText(g.pod), pgText(g.podUid), pgText(g.container), pgText(g.containerId),
          pgText(g.fromTime), pgText(g.toTime), g.reason, pgText(g.detail), Date.now()],
      );
      return rows[0]!.id;
    });
  }

  async setGapEnd(id: number, toTime: string | null): Promise<void> {
    await this.pool.query(`UPDATE "IngestGap" SET "toTime" = $1 WHERE "id" = $2`, [pgText(toTime), id]);
  }

  async saveIp(r: IpRow): Promise<void> {
    const pod = r.kind === 'pod';
    const [table, nameCol, uidCol] = pod ? ['PodIp', 'pod', 'podUid'] : ['ServiceIp', 'service', 'serviceUid'];
    await this.pool.query(
      `INSERT INTO "${table}" ("ip", "namespace", "${nameCol}", "${uidCol}"${pod ? ', "node"' : ''}, "fromTime", "toTime")
       VALUES ($1, $2, $3, $4, ${pod ? '$7, ' : ''}${tsOf('$5')}, ${tsOf('$6')})
       ON CONFLICT ("${uidCol}", "ip") DO UPDATE SET "toTime" = excluded."toTime"`,
      [pgText(r.ip), pgText(r.namespace), pgText(r.name), pgText(r.uid), r.fromMs, r.toMs, ...(pod ? [pgText(r.node)] : [])],
    );
  }

  async ipHistory(): Promise<IpRow[]> {
    return ipHistoryOf(this.pool);
  }

  async openEndpoint(r: EndpointRow): Promise<number> {
    return inTransaction(this.pool, async (c) => {
      await lockKey(c, ['endpoint', r.namespace, r.service, r.ip]);
      const open = await c.query<{ id: number }>(
        `SELECT "id" FROM "EndpointMember" WHERE "namespace" = $1 AND "service" = $2 AND "ip" = $3 AND "toTime" IS NULL LIMIT 1`,
        [pgText(r.namespace), pgText(r.service), pgText(r.ip)],
      );
      if (open.rows[0]) return open.rows[0].id;
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO "EndpointMember" ("namespace", "service", "ip", "pod", "podUid", "fromTime", "toTime")
         VALUES ($1, $2, $3, $4, $5, ${tsOf('$6')}, NULL) RETURNING "id"`,
        [pgText(r.namespace), pgText(r.service), pgText(r.ip), pgText(r.pod), pgText(r.podUid), r.fromMs],
      );
      return rows[0]!.id;
    });
  }

  async closeEndpoint(id: number, toMs: number): Promise<void> {
    await this.pool.query(`UPDATE "EndpointMember" SET "toTime" = ${tsOf('$1')} WHERE "id" = $2 AND "toTime" IS NULL`, [toMs, id]);
  }

  async openEndpoints(): Promise<EndpointRow[]> {
    const { rows } = await this.pool.query(
      `SELECT "id", "namespace", "service", "ip", "pod", "podUid", ${msOf('"fromTime"')} AS "fromMs"
       FROM "EndpointMember" WHERE "toTime" IS NULL ORDER BY "id"`,
    );
    return rows.map((r) => ({ id: r.id, namespace: r.namespace, service: r.service, ip: r.ip, pod: r.pod, podUid: r.podUid, fromMs: num(r.fromMs), toMs: null }));
  }

  async saveKubeObject(o: KubeObjectRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO "KubeObject" ("kind", "namespace", "name", "uid", "json", "firstSeen", "lastSeen", "deletedAt")
       VALUES ($1, $2, $3, $4, $5, ${tsOf('$6')}, ${tsOf('$7')}, ${tsOf('$8')})
       ON CONFLICT ("kind", "uid") DO UPDATE SET "namespace" = excluded."namespace", "name" = excluded."name",
         "json" = excluded."json", "lastSeen" = excluded."lastSeen", "deletedAt" = excluded."deletedAt"`,
      [o.kind, pgText(o.namespace), pgText(o.name), pgText(o.uid), pgText(o.json), o.firstSeenMs, o.lastSeenMs, o.deletedMs],
    );
  }

  async markMissingKubeObjects(kind: KubeObjectRow['kind'], presentUids: ReadonlySet<string>, ms: number): Promise<void> {
    await this.pool.query(
      `UPDATE "KubeObject" SET "deletedAt" = ${tsOf('$2')}
       WHERE "kind" = $1 AND "deletedAt" IS NULL AND NOT ("uid" = ANY($3::text[]))`,
      [kind, ms, [...presentUids].map((u) => pgText(u))],
    );
  }

  async writeStatus(id: string, json: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO "CollectorStatus" ("id", "json", "updatedAt") VALUES ($1, $2, ${tsOf('$3')})
       ON CONFLICT ("id") DO UPDATE SET "json" = excluded."json", "updatedAt" = excluded."updatedAt"`,
      [pgText(id), pgText(json), Date.now()],
    );
  }

  async readStatuses(): Promise<CollectorStatusRow[]> {
    const { rows } = await this.pool.query(`SELECT "id", "json", ${msOf('"updatedAt"')} AS "updatedAt" FROM "CollectorStatus" ORDER BY "id" ${C}`);
    return rows.map((r) => ({ id: r.id, json: r.json, updatedAt: num(r.updatedAt) }));
  }
}

/** Pod IP ranges, then Service IP ranges, each in the order they were first stored. */
export async function ipHistoryOf(pool: pg.Pool): Promise<IpRow[]> {
  const range = (kind: 'pod' | 'service') => (r: Record<string, unknown>): IpRow => ({
    kind, ip: r.ip as string, namespace: r.namespace as string, name: r.name as string, uid: r.uid as string,
    node: (r.node as string | null | undefined) ?? null, fromMs: num(r.fromMs as string), toMs: numOrNull(r.toMs as string | null),
  });
  const [pods, services] = await Promise.all([
    pool.query(`SELECT "ip", "namespace", "pod" AS "name", "podUid" AS "uid", "node", ${msOf('"fromTime"')} AS "fromMs", ${msOf('"toTime"')} AS "toMs" FROM "PodIp" ORDER BY "id"`),
    pool.query(`SELECT "ip", "namespace", "service" AS "name", "serviceUid" AS "uid", ${msOf('"fromTime"')} AS "fromMs", ${msOf('"toTime"')} AS "toMs" FROM "ServiceIp" ORDER BY "id"`),
  ]);
  return [...pods.rows.map(range('pod')), ...services.rows.map(range('service'))];
}

/** A transaction lock on one key (two collectors adding the same history row wait for each other: the second then
 * finds the first's row). Released at COMMIT. */
async function lockKey(c: pg.PoolClient, parts: readonly string[]): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [pgText(JSON.stringify(parts))]);
}
