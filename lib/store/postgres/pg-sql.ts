// What the PostgreSQL stores share: pools (one per writing store; one per database for all readers of a process), the
// lock writers of records take, and the conversions between the values the store interfaces speak (epoch
// milliseconds, JS numbers, free text) and what the PostgreSQL schema holds.
//
// Timestamps. The schema's DateTime columns are TIMESTAMP(3) WITHOUT TIME ZONE holding UTC (what Prisma writes and
// reads). Raw SQL here never hands node-postgres a Date (it would be serialised in the process's local zone, which a
// zone-less column takes at face value) and never reads one back (node-postgres parses zone-less timestamps as local
// time): epoch milliseconds travel as integers and are converted in SQL, both ways, with exact integer arithmetic.
import pg from 'pg';
import { pgConfigFrom } from './pg-config.ts';

/** A pool on the database; errors of idle connections (a server restart, a dropped database) surface on the next
 * query instead of crashing the process. */
export function openPool(databaseUrl: string, max = 4): pg.Pool {
  const pool = new pg.Pool(pgConfigFrom(databaseUrl, { max }));
  pool.on('error', () => undefined);
  return pool;
}

/**
 * The transaction-level advisory lock every writer of records and rollups takes first (an arbitrary constant, unlikely
 * to meet another application's advisory locks in a shared database): record ids are handed out and committed in the
 * same order, and rollup rows are read, merged and written by one transaction at a time. PostgreSQL's
 * pg_advisory_xact_lock; CockroachDB has no equivalent (see postgres-ingest-store.ts).
 */
export const WRITE_LOCK_KEY = '7354411300120250001';

/** BEGIN for a writing transaction, with the write lock taken. */
export const WRITE_BEGIN = `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`;

/**
 * BEGIN for the reads of one answer: one snapshot across its statements (rollups and records seen at one moment). Its
 * sorts get 32 MB each (SET LOCAL: this transaction only, so a pooler in transaction mode is fine): grouping a week of
 * rollup histograms is ~4 MB, and the server's default 4 MB sent that sort to disk.
 */
export const SNAPSHOT_BEGIN = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL work_mem = '32MB'`;

const sharedPools = new Map<string, pg.Pool>();

/**
 * The pool the readers of a process share on one database (the dashboard opens a chart store per request: without
 * this, every request would connect anew). Made on first use; its idle connections close after a while and do not keep
 * the process alive (allowExitOnIdle), so a CLI or a test exits when done without ending it. Stores that read through
 * it leave it open on close(); endSharedPools ends it.
 */
export function sharedPool(databaseUrl: string): pg.Pool {
  let pool = sharedPools.get(databaseUrl);
  if (!pool) {
    pool = new pg.Pool(pgConfigFrom(databaseUrl, { allowExitOnIdle: true }));
    pool.on('error', () => undefined);
    sharedPools.set(databaseUrl, pool);
  }
  return pool;
}

/** Ends the shared pool of one database (all of them without an argument) and waits for its connections to close. */
export async function endSharedPools(databaseUrl?: string): Promise<void> {
  const urls = databaseUrl === undefined ? [...sharedPools.keys()] : [databaseUrl];
  await Promise.all(urls.map(async (url) => {
    const pool = sharedPools.get(url);
    if (!pool) return;
    sharedPools.delete(url);
    await pool.end().catch(() => undefined);
  }));
}

/** SQL for "epoch ms `param` as a zone-less UTC timestamp"; a NULL stays NULL. Constant for the planner, so a column
 * compared with it can use its index. */
export const tsOf = (param: string) => `(TIMESTAMP '1970-01-01 00:00:00' + (${param})::int8 * INTERVAL '1 millisecond')`;

/** SQL for "timestamp `col` as epoch ms" (an int8: read it with num()/numOrNull()). */
export const msOf = (col: string) => `(EXTRACT(EPOCH FROM ${col}) * 1000)::int8`;

/** int8 and numeric arrive as strings. */
export const num = (v: string | number | bigint): number => Number(v);
export const numOrNull = (v: string | number | bigint | null): number | null => (v === null ? null : Number(v));

/** PostgreSQL text cannot hold U+0000 (SQLite can): it is stored as U+FFFD. */
export function pgText(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return v.includes('\0') ? v.replaceAll('\0', '\uFFFD') : v;
}

const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;

/** A number for an INTEGER column; null when it is not a whole number in range (SQLite would have stored it as is). */
export const pgInt4 = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= INT4_MIN && v <= INT4_MAX ? v : null;

/** A number for a BIGINT column: whole and exactly representable, else null. */
export const pgInt8 = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);

/** Epoch ms for a timestamp column: whole milliseconds (sub-ms parts dropped), null when not a finite number. */
export const pgMs = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? (Number.isInteger(v) ? v : Math.floor(v)) : null;

const MIN_BOUND_MS = -2e14; // about 4400 BC: PostgreSQL timestamps start in 4713 BC
const MAX_BOUND_MS = 8.64e15; // the last instant a JS Date can hold (year 275760)

/** A time bound in epoch ms for comparing with a timestamp column: rounded up to a whole millisecond (`>= 1.5` and
 * `>= 2` select the same integer ms), infinities and out-of-range values clamped to what PostgreSQL can hold. */
export const boundMs = (v: number): number =>
  Number.isNaN(v) ? MAX_BOUND_MS : Math.min(MAX_BOUND_MS, Math.max(MIN_BOUND_MS, Math.ceil(v)));

// Array literals built here rather than by node-postgres: one pass per column, no quoting for numbers, one join.

/** `{1,NULL,3}` for an int4[]/int8[]/bool[] parameter. */
export function numberArray(values: readonly (number | boolean | null)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    parts[i] = v === null || v === undefined ? 'NULL' : String(v);
  }
  return `{${parts.join(',')}}`;
}

const needsEscape = /["\\]/;
const escapes = /["\\]/g;

/** `{"a",NULL,"b\"c"}` for a text[] parameter. */
export function textArray(values: readonly (string | null)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    parts[i] = v === null || v === undefined ? 'NULL' : needsEscape.test(v) ? `"${v.replace(escapes, '\\$&')}"` : `"${v}"`;
  }
  return `{${parts.join(',')}}`;
}

/**
 * Runs `fn` in one transaction on one connection of the pool. `begin` may hold several statements (taking a lock,
 * reading something): `fn` gets what they returned (node-postgres' result, an array of them for several).
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient, begun: unknown) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const begun: unknown = await client.query(begin);
    const out = await fn(client, begun);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw err;
  } finally {
    // A connection that could not even roll back is dropped rather than handed to the next caller.
    client.release(broken);
  }
}

/** Text compared and sorted as SQLite does (by code point), whatever the database's collation. */
export const C = 'COLLATE "C"';
