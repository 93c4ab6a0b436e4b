// A postgresql:// URL as node-postgres connection fields. Fields, not `connectionString`: node-postgres lets a
// connection string override fields, so a copy pointed at another database (the migration engine's shadow database,
// a test's fresh database) would silently keep the original one.
import type { PoolConfig } from 'pg';
import { redact } from '../database-url.ts';

export function pgConfigFrom(databaseUrl: string, overrides: PoolConfig = {}): PoolConfig {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error(`database URL "${redact(databaseUrl)}" is not a valid URL`);
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') throw new Error(`not a PostgreSQL URL: ${redact(databaseUrl)}`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`database URL "${redact(databaseUrl)}" names no database (postgresql://host/DATABASE)`);
  const params = url.searchParams;
  const sslmode = params.get('sslmode');
  const config: PoolConfig = {
    host: params.get('host') ?? (url.hostname || 'localhost'),
    port: url.port ? Number(url.port) : 5432,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database,
    application_name: params.get('application_name') ?? 'envoy-lens',
    max: params.has('connection_limit') ? Number(params.get('connection_limit')) : 10,
  };
  if (sslmode === 'require' || sslmode === 'verify-full' || sslmode === 'verify-ca') {
    config.ssl = { rejectUnauthorized: sslmode !== 'require' };
  }
  return { ...config, ...overrides };
}

/** The same server, another database. */
export function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
