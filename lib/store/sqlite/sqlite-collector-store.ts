// SQLite side of the collector store: small, infrequent writes (gaps, IP ranges, endpoints, status) beside the hot
// record path it inherits.
import type { KubeObjectRow } from '../analysis-store.ts';
import type { CollectorStatusRow, CollectorStore, EndpointRow, GapRow, IpRow, KnownInstance } from '../collector-store.ts';
import type { Checkpoint } from '../ingest-store.ts';
import { SqliteIngestStore } from './sqlite-ingest-store.ts';

type CheckpointRow = Omit<Checkpoint, 'finished' | 'bytesRead'> & { finished: number; bytesRead: number | bigint };

export class SqliteCollectorStore extends SqliteIngestStore implements CollectorStore {
  async instancesOf(podUid: string, container: string): Promise<KnownInstance[]> {
    const rows = this.db
      .prepare(
        `SELECT s."id" AS "sourceId", s."containerId", c."linesRead", c."bytesRead", c."fingerprint", c."watermark",
           c."watermarkCount", c."records", c."rejected", c."ambiguous", c."otherLines", c."finished"
         FROM "Source" s LEFT JOIN "IngestCheckpoint" c ON c."sourceId" = s."id"
         WHERE s."kind" = 'pod' AND s."podUid" = ? AND s."container" = ? ORDER BY s."id"`,
      )
      .all(podUid, container) as (CheckpointRow & { sourceId: number; containerId: string; linesRead: number | null })[];
    return rows.map((r) => ({
      sourceId: r.sourceId,
      containerId: r.containerId,
      checkpoint: r.linesRead === null ? null : {
        linesRead: r.linesRead, bytesRead: Number(r.bytesRead), fingerprint: r.fingerprint, watermark: r.watermark,
        watermarkCount: r.watermarkCount, records: r.records, rejected: r.rejected, ambiguous: r.ambiguous,
        otherLines: r.otherLines, finished: r.finished === 1,
      },
    }));
  }

  async recordGap(g: GapRow): Promise<number> {
    return this.db.transaction(() => {
      const same = this.db
        .prepare(
          `SELECT "id" FROM "IngestGap" WHERE "namespace" = ? AND "pod" = ? AND "podUid" IS ? AND "container" = ? AND "containerId" IS ?
             AND "reason" = ? AND "fromTime" IS ? LIMIT 1`,
        )
        .get(g.namespace, g.pod, g.podUid ?? null, g.container, g.containerId ?? null, g.reason, g.fromTime) as { id: number } | undefined;
      if (same) return same.id;
      const row = this.db
        .prepare(
          `INSERT INTO "IngestGap" ("sourceId", "namespace", "pod", "podUid", "container", "containerId", "fromTime", "toTime",
             "reason", "detail", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
        )
        .get(g.sourceId ?? null, g.namespace, g.pod, g.podUid ?? null, g.container, g.containerId ?? null, g.fromTime, g.toTime,
          g.reason, g.detail, Date.now()) as { id: number };
      return row.id;
    }).immediate();
  }

  async setGapEnd(id: number, toTime: string | null): Promise<void> {
    this.db.prepare(`UPDATE "IngestGap" SET "toTime" = ? WHERE "id" = ?`).run(toTime, id);
  }

  async saveIp(r: IpRow): Promise<void> {
    const table = r.kind === 'pod' ? 'PodIp' : 'ServiceIp';
    const nameCol = r.kind === 'pod' ? 'pod' : 'service';
    const uidCol = r.kind === 'pod' ? 'podUid' : 'serviceUid';
    const extra = r.kind === 'pod' ? ', "node"' : '';
    const extraValue = r.kind === 'pod' ? ', @node' : '';
    this.db
      .prepare(
        `INSERT INTO "${table}" ("ip", "namespace", "${nameCol}", "${uidCol}"${extra}, "fromTime", "toTime")
         VALUES (@ip, @namespace, @name, @uid${extraValue}, @fromMs, @toMs)
         ON CONFLICT ("${uidCol}", "ip") DO UPDATE SET "toTime" = excluded."toTime"`,
      )
      .run({ ip: r.ip, namespace: r.namespace, name: r.name, uid: r.uid, ...(r.kind === 'pod' ? { node: r.node ?? null } : {}), fromMs: r.fromMs, toMs: r.toMs });
  }

  async ipHistory(): Promise<IpRow[]> {
    const pods = this.db.prepare(`SELECT "ip", "namespace", "pod" AS "name", "podUid" AS "uid", "node", "fromTime", "toTime" FROM "PodIp"`).all() as RawIp[];
    const services = this.db.prepare(`SELECT "ip", "namespace", "service" AS "name", "serviceUid" AS "uid", "fromTime", "toTime" FROM "ServiceIp"`).all() as RawIp[];
    const row = (kind: 'pod' | 'service') => (r: RawIp): IpRow => ({
      kind, ip: r.ip, namespace: r.namespace, name: r.name, uid: r.uid, node: r.node ?? null, fromMs: Number(r.fromTime), toMs: r.toTime === null ? null : Number(r.toTime),
    });
    return [...pods.map(row('pod')), ...services.map(row('service'))];
  }

  async openEndpoint(r: EndpointRow): Promise<number> {
    return this.db.transaction(() => {
      const open = this.db
        .prepare(`SELECT "id" FROM "EndpointMember" WHERE "namespace" = ? AND "service" = ? AND "ip" = ? AND "toTime" IS NULL LIMIT 1`)
        .get(r.namespace, r.service, r.ip) as { id: number } | undefined;
      if (open) return open.id;
      const out = this.db
        .prepare(`INSERT INTO "EndpointMember" ("namespace", "service", "ip", "pod", "podUid", "fromTime", "toTime") VALUES (?, ?, ?, ?, ?, ?, NULL) RETURNING "id"`)
        .get(r.namespace, r.service, r.ip, r.pod ?? null, r.podUid ?? null, r.fromMs) as { id: number };
      return out.id;
    }).immediate();
  }

  async closeEndpoint(id: number, toMs: number): Promise<void> {
    this.db.prepare(`UPDATE "EndpointMember" SET "toTime" = ? WHERE "id" = ? AND "toTime" IS NULL`).run(toMs, id);
  }

  async openEndpoints(): Promise<EndpointRow[]> {
    const rows = this.db.prepare(`SELECT "id", "namespace", "service", "ip", "pod", "podUid", "fromTime" FROM "EndpointMember" WHERE "toTime" IS NULL`).all() as (Omit<EndpointRow, 'fromMs' | 'toMs'> & { fromTime: number })[];
    return rows.map((r) => ({ id: r.id!, namespace: r.namespace, service: r.service, ip: r.ip, pod: r.pod, podUid: r.podUid, fromMs: Number(r.fromTime), toMs: null }));
  }

  async saveKubeObject(o: KubeObjectRow): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO "KubeObject" ("kind", "namespace", "name", "uid", "json", "firstSeen", "lastSeen", "deletedAt")
         VALUES (@kind, @namespace, @name, @uid, @json, @firstSeenMs, @lastSeenMs, @deletedMs)
         ON CONFLICT ("kind", "uid") DO UPDATE SET "namespace" = excluded."namespace", "name" = excluded."name",
           "json" = excluded."json", "lastSeen" = excluded."lastSeen", "deletedAt" = excluded."deletedAt"`,
      )
      .run(o);
  }

  async markMissingKubeObjects(kind: KubeObjectRow['kind'], presentUids: ReadonlySet<string>, ms: number): Promise<void> {
    const rows = this.db.prepare(`SELECT "id", "uid" FROM "KubeObject" WHERE "kind" = ? AND "deletedAt" IS NULL`).all(kind) as { id: number; uid: string }[];
    const mark = this.db.prepare(`UPDATE "KubeObject" SET "deletedAt" = ? WHERE "id" = ?`);
    this.db.transaction(() => {
      for (const r of rows) if (!presentUids.has(r.uid)) mark.run(ms, r.id);
    })();
  }

  async writeStatus(id: string, json: string): Promise<void> {
    this.db
      .prepare(`INSERT INTO "CollectorStatus" ("id", "json", "updatedAt") VALUES (?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "json" = excluded."json", "updatedAt" = excluded."updatedAt"`)
      .run(id, json, Date.now());
  }

  async readStatuses(): Promise<CollectorStatusRow[]> {
    const rows = this.db.prepare(`SELECT "id", "json", "updatedAt" FROM "CollectorStatus" ORDER BY "id"`).all() as { id: string; json: string; updatedAt: number }[];
    return rows.map((r) => ({ id: r.id, json: r.json, updatedAt: Number(r.updatedAt) }));
  }
}

interface RawIp {
  ip: string;
  namespace: string;
  name: string;
  uid: string;
  node?: string | null;
  fromTime: number | bigint;
  toTime: number | bigint | null;
}
