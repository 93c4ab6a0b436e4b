// The SQLite driver adapter, prepared for Prisma's wasm schema engine (see lib/store/migrate.ts): every connection it
// opens is tracked so it can be closed (the engine does not close them), and the shadow database receives whole
// migration scripts through executeRaw, which better-sqlite3 refuses: those go through executeScript.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import { sqliteFilePath } from '../database-url.ts';

export function sqliteMigrationFactory(databaseUrl: string, opened: SqlDriverAdapter[]): PrismaBetterSqlite3 {
  const file = sqliteFilePath(databaseUrl);
  mkdirSync(path.dirname(file), { recursive: true });
  const factory = new PrismaBetterSqlite3({ url: file }, { timestampFormat: 'unixepoch-ms' });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    opened.push(adapter);
    return adapter;
  };
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connectToShadowDb = async (): Promise<SqlDriverAdapter> => {
    const adapter = await connectToShadowDb();
    opened.push(adapter);
    const executeRaw = adapter.executeRaw.bind(adapter);
    adapter.executeRaw = async (query) => {
      if (query.args.length === 0 && /;\s*\S/.test(query.sql)) {
        await adapter.executeScript(query.sql);
        return 0;
      }
      return executeRaw(query);
    };
    return adapter;
  };
  return factory;
}
