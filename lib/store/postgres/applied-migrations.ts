// Which migrations a PostgreSQL database has applied, read with one query rather than by starting the schema engine.
import pg from 'pg';
import { pgConfigFrom } from './pg-config.ts';

/** Names of the migrations applied and not rolled back; null when the migrations table is missing. */
export async function appliedPostgresMigrations(databaseUrl: string): Promise<Set<string> | null> {
  const client = new pg.Client(pgConfigFrom(databaseUrl));
  await client.connect();
  try {
    const table = await client.query(`SELECT to_regclass('"_prisma_migrations"') AS t`);
    if (!table.rows[0]?.t) return null;
    const rows = await client.query<{ name: string }>(
      `SELECT "migration_name" AS name FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`,
    );
    return new Set(rows.rows.map((r) => r.name));
  } finally {
    await client.end();
  }
}
