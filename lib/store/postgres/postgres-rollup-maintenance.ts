// `envoy-lens rollups [--rebuild]` on PostgreSQL: recounting periods from the records and reporting what the rollups
// cover. The twin of the rebuild in ../sqlite/sqlite-rollups.ts; the writer it shares is in postgres-rollups.ts.
import type pg from 'pg';
import { HOUR_MINUTES, HOUR_MS, MINUTE_MS, RollupAccumulator } from '../rollup/rollup-accumulator.ts';
import type { RebuildOptions, RebuildResult, RollupMaintenance, RollupStatus } from '../rollup/rollup-maintenance.ts';
import { rollupTable } from '../rollup/rollup-plan.ts';
import { boundMs, inTransaction, msOf, num, numberArray, openPool, tsOf, WRITE_BEGIN } from './pg-sql.ts';
import { addRows, beginRollups, catchUpRollups, commitRollups, hasRollupTables, writeRollupDeltas } from './postgres-rollups.ts';

/** How much of an hour the rebuild reads per statement. */
const REBUILD_SLICE_MS = 10 * MINUTE_MS;

/**
 * Recomputes rollups from the records, hour by hour, each hour's sources in one transaction (or a few sources per
 * transaction for a very busy hour), each holding the write lock, so a collector writing at the same time waits for one
 * hour's work at most and readers see an hour whole. A source's rows of an hour are deleted and counted again from its
 * records there; rows of sources with no records left in that hour (records retention pruned) are kept, as the only
 * trace of that traffic. Idempotent. The same steps as ../sqlite/sqlite-rollups.ts' rebuildRollups.
 */
export async function rebuildRollups(pool: pg.Pool, o: RebuildOptions = {}): Promise<RebuildResult> {
  const maxRecords = Math.max(1, o.maxRecordsPerTransaction ?? 200_000);
  const result: RebuildResult = { range: null, hours: 0, records: 0, transactions: 0, caughtUp: 0, coverageComplete: false, stopped: false };
  const tx = <T>(fn: (client: pg.PoolClient) => Promise<T>) => {
    result.transactions++;
    return inTransaction(pool, fn, WRITE_BEGIN);
  };
  const catchUp = async (client: pg.PoolClient) => {
    const batch = await beginRollups(client);
    result.caughtUp += batch.acc.size;
    await commitRollups(client, batch, null);
  };
  const state = async () => (await pool.query<{ uncoveredFrom: number | null; uncoveredTo: number | null }>(
    `SELECT "uncoveredFrom", "uncoveredTo" FROM "RollupState" WHERE "id" = 1`,
  )).rows[0] ?? { uncoveredFrom: null, uncoveredTo: null };

  // Records stored without rollups first, in bounded transactions; each hour's transaction below counts any newer ones.
  const caught = await catchUpRollups(pool, maxRecords);
  result.caughtUp += caught.records;
  result.transactions += caught.transactions;
  const explicit = o.fromMs !== undefined || o.toMs !== undefined;
  let fromMs: number, toMs: number;
  if (explicit) {
    fromMs = Math.floor((o.fromMs ?? -8.64e15) / HOUR_MS) * HOUR_MS;
    toMs = Math.ceil((o.toMs ?? 8.64e15) / HOUR_MS) * HOUR_MS;
  } else {
    const s = await state();
    if (s.uncoveredTo === null) {
      await tx(catchUp);
      result.coverageComplete = true;
      return result;
    }
    fromMs = s.uncoveredFrom === null ? -8.64e15 : s.uncoveredFrom * MINUTE_MS;
    toMs = s.uncoveredTo * MINUTE_MS;
  }
  result.range = [fromMs, toMs];

  /** One transaction: the rows of the hour of the sources with records there (of `sources` only, when given)
   * replaced by a count of those records. */
  const recomputeHour = (hourMs: number, sources: number[] | null, last: boolean) => tx(async (client) => {
    await catchUp(client);
    const p0 = hourMs / MINUTE_MS;
    const acc = new RollupAccumulator();
    const inSources = sources ? ` AND "sourceId" = ANY($3::int4[])` : '';
    // Read a slice of the hour at a time: what is held at once stays a fraction of a busy hour.
    for (let from = hourMs; from < hourMs + HOUR_MS; from += REBUILD_SLICE_MS) {
      await addRows(client, acc, `"startTime" >= ${tsOf('$1')} AND "startTime" < ${tsOf('$2')}${inSources}`,
        [from, from + REBUILD_SLICE_MS, ...(sources ? [numberArray(sources)] : [])]);
    }
    const deltas = acc.deltas();
    const seen = [...new Set(deltas.map((d) => d.sourceId))];
    if (seen.length) {
      for (const table of [rollupTable(1), rollupTable(HOUR_MINUTES)]) {
        await client.query(`DELETE FROM ${table} WHERE "periodStart" >= $1 AND "periodStart" < $2 AND "sourceId" = ANY($3::int4[])`,
          [p0, p0 + HOUR_MINUTES, numberArray(seen)]);
      }
    }
    await writeRollupDeltas(client, deltas, null);
    if (last && !explicit) await client.query(`UPDATE "RollupState" SET "uncoveredFrom" = $1 WHERE "id" = 1`, [p0 + HOUR_MINUTES]);
    return acc.size;
  });

  let cursor = fromMs;
  while (cursor < toMs) {
    if (o.shouldStop?.()) {
      result.stopped = true;
      return result;
    }
    const next = await pool.query(
      `SELECT ${msOf('"startTime"')} AS "t" FROM "AccessRecord" WHERE "startTime" >= ${tsOf('$1')} AND "startTime" < ${tsOf('$2')}
       ORDER BY "startTime" LIMIT 1`,
      [boundMs(cursor), boundMs(toMs)],
    );
    if (next.rows.length === 0) break;
    const hourMs = Math.floor(num(next.rows[0].t) / HOUR_MS) * HOUR_MS;
    const counts = await pool.query<{ sourceId: number; n: string }>(
      `SELECT "sourceId", count(*) AS "n" FROM "AccessRecord" WHERE "startTime" >= ${tsOf('$1')} AND "startTime" < ${tsOf('$2')}
       GROUP BY "sourceId" ORDER BY "sourceId"`,
      [hourMs, hourMs + HOUR_MS],
    );
    const total = counts.rows.reduce((n, c) => n + num(c.n), 0);
    let records = 0;
    if (total <= maxRecords) {
      records += await recomputeHour(hourMs, null, true);
    } else {
      // A busy hour: groups of sources, each group's rows replaced whole.
      const groups: number[][] = [[]];
      let size = 0;
      for (const c of counts.rows) {
        if (size > 0 && size + num(c.n) > maxRecords) (groups.push([]), (size = 0));
        groups.at(-1)!.push(c.sourceId);
        size += num(c.n);
      }
      for (const [i, g] of groups.entries()) records += await recomputeHour(hourMs, g, i === groups.length - 1);
    }
    result.hours++;
    result.records += records;
    o.onHour?.({ hourStartMs: hourMs, records });
    cursor = hourMs + HOUR_MS;
  }
  if (!explicit) {
    await tx(async (client) => {
      await catchUp(client);
      await client.query(`UPDATE "RollupState" SET "uncoveredFrom" = NULL, "uncoveredTo" = NULL WHERE "id" = 1`);
    });
    result.coverageComplete = true;
  } else {
    result.coverageComplete = (await state()).uncoveredTo === null;
  }
  return result;
}

export async function rollupStatus(pool: pg.Pool): Promise<RollupStatus | null> {
  if (!(await hasRollupTables(pool))) return null;
  const rowsOf = async (minutes: number) => num((await pool.query<{ n: string }>(`SELECT count(*) AS "n" FROM ${rollupTable(minutes)}`)).rows[0]!.n);
  const s = (await pool.query<{ rolledThroughId: number; uncoveredFrom: number | null; uncoveredTo: number | null }>(
    `SELECT "rolledThroughId", "uncoveredFrom", "uncoveredTo" FROM "RollupState" WHERE "id" = 1`,
  )).rows[0];
  const uncounted = await pool.query<{ n: string }>(`SELECT count(*) AS "n" FROM "AccessRecord" WHERE "id" > $1`, [s?.rolledThroughId ?? 0]);
  return {
    minuteRows: await rowsOf(1),
    hourRows: await rowsOf(HOUR_MINUTES),
    uncovered: s && s.uncoveredTo !== null ? [s.uncoveredFrom === null ? -Infinity : s.uncoveredFrom * MINUTE_MS, s.uncoveredTo * MINUTE_MS] : null,
    uncounted: num(uncounted.rows[0]!.n),
  };
}

export class PostgresRollupMaintenance implements RollupMaintenance {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = openPool(databaseUrl, 2);
  }

  status(): Promise<RollupStatus | null> {
    return rollupStatus(this.pool);
  }

  rebuild(o: RebuildOptions = {}): Promise<RebuildResult> {
    return rebuildRollups(this.pool, o);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
