// Prisma client set-up for reads. One client per database URL per process.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.ts';
import { databaseKind, redact, sqliteFilePath } from './database-url.ts';

const clients = new Map<string, PrismaClient>();

export function prismaFor(databaseUrl: string): PrismaClient {
  let client = clients.get(databaseUrl);
  if (client) return client;
  if (databaseKind(databaseUrl) !== 'sqlite') throw new Error(`reading ${redact(databaseUrl)}: PostgreSQL is not supported yet`);
  // Timestamps are epoch milliseconds on SQLite (see lib/store/sqlite/). A fresh checkout has no ./data yet: the
  // pages then show their empty state rather than failing to open the file.
  mkdirSync(path.dirname(sqliteFilePath(databaseUrl)), { recursive: true });
  const adapter = new PrismaBetterSqlite3({ url: sqliteFilePath(databaseUrl) }, { timestampFormat: 'unixepoch-ms' });
  client = new PrismaClient({ adapter });
  clients.set(databaseUrl, client);
  return client;
}

export async function disconnectAll(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.$disconnect()));
  clients.clear();
}
