import path from 'node:path';

/** The embedded default: a SQLite file under ./data of the working directory. */
export const DEFAULT_DATABASE_URL = 'file:./data/envoy-lens.db';

export type DatabaseKind = 'sqlite' | 'postgresql';

export function databaseKind(url: string): DatabaseKind {
  if (url.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  throw new Error(`unsupported database URL "${redact(url)}": expected file:PATH (SQLite) or postgresql://…`);
}

/** The file a `file:` URL names, resolved against the working directory (query parameters dropped). */
export function sqliteFilePath(url: string): string {
  if (databaseKind(url) !== 'sqlite') throw new Error(`not a SQLite URL: ${redact(url)}`);
  const rest = url.slice('file:'.length).split('?')[0]!;
  if (rest === '') throw new Error('empty SQLite path in database URL "file:"');
  return path.resolve(rest);
}

/** Hides a password in a URL before it is printed. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}
