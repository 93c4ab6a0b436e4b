// Prisma client set-up for reads. One client per database URL per process.
//
// Each provider has its own generated client (lib/generated/prisma for SQLite, lib/generated/prisma-postgresql for
// PostgreSQL) from the same models (see lib/store/schema-variants.ts). Queries are written once against the SQLite
// client's types; the PostgreSQL client has the same models and delegates, so it is handed out under that type.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.ts';
import { databaseKind, sqliteFilePath } from './database-url.ts';

const clients = new Map<string, PrismaClient>();
const pending = new Map<string, Promise<PrismaClient>>();

/** The client for a SQLite URL, at once; see prismaClientFor for any database. */
export function prismaFor(databaseUrl: string): PrismaClient {
  let client = clients.get(databaseUrl);
  if (client) return client;
  if (databaseKind(databaseUrl) !== 'sqlite') {
    throw new Error('prismaFor() opens SQLite only: use await prismaClientFor(url) for PostgreSQL');
  }
  // Timestamps are epoch milliseconds on SQLite (see lib/store/sqlite/). A fresh checkout has no ./data yet: the
  // pages then show their empty state rather than failing to open the file.
  mkdirSync(path.dirname(sqliteFilePath(databaseUrl)), { recursive: true });
  const adapter = new PrismaBetterSqlite3({ url: sqliteFilePath(databaseUrl) }, { timestampFormat: 'unixepoch-ms' });
  client = new PrismaClient({ adapter });
  clients.set(databaseUrl, client);
  return client;
}

/** The client for any database URL (the PostgreSQL client is loaded on first use). */
export async function prismaClientFor(databaseUrl: string): Promise<PrismaClient> {
  const open = clients.get(databaseUrl);
  if (open) return open;
  if (databaseKind(databaseUrl) === 'sqlite') return prismaFor(databaseUrl);
  let loading = pending.get(databaseUrl);
  if (!loading) {
    loading = (async () => {
      const [{ PrismaPg }, generated, { pgConfigFrom }] = await Promise.all([
        import('@prisma/adapter-pg'),
        import('../generated/prisma-postgresql/client.ts'),
        import('./postgres/pg-config.ts'),
      ]);
      const client = new generated.PrismaClient({ adapter: new PrismaPg(pgConfigFrom(databaseUrl)) }) as unknown as PrismaClient;
      clients.set(databaseUrl, client);
      return client;
    })();
    pending.set(databaseUrl, loading);
    loading.finally(() => pending.delete(databaseUrl)).catch(() => undefined);
  }
  return loading;
}

export async function disconnectAll(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.$disconnect()));
  clients.clear();
}
