// One schema, two providers. prisma/schema.prisma is the source (SQLite, the embedded default); the PostgreSQL
// variant differs only in its datasource provider and where its client is generated, and is written from it by
// `npm run db:schemas` (a test fails when the committed copy is stale).
import path from 'node:path';
import type { DatabaseKind } from './database-url.ts';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');

export interface SchemaVariant {
  kind: DatabaseKind;
  schemaPath: string;
  migrationsDir: string;
  /** The provider name Prisma writes into migration_lock.toml. */
  provider: 'sqlite' | 'postgresql';
}

export const schemaVariants: Record<DatabaseKind, SchemaVariant> = {
  sqlite: {
    kind: 'sqlite',
    schemaPath: path.join(projectRoot, 'prisma', 'schema.prisma'),
    migrationsDir: path.join(projectRoot, 'prisma', 'migrations'),
    provider: 'sqlite',
  },
  postgresql: {
    kind: 'postgresql',
    schemaPath: path.join(projectRoot, 'prisma', 'postgresql', 'schema.prisma'),
    migrationsDir: path.join(projectRoot, 'prisma', 'postgresql', 'migrations'),
    provider: 'postgresql',
  },
};

const header =
  '// GENERATED from prisma/schema.prisma by `npm run db:schemas`: edit that file, not this one.\n';

/**
 * Indexes PostgreSQL cannot hold: a btree entry there is at most 2,704 bytes, and an index on text a client controls
 * (a logged path) would make ingest fail on the first longer value. Marked `// SQLite only` on the index line.
 */
const SQLITE_ONLY = /(?:^[ \t]*\/\/\/.*\n)*^[ \t]*@@index\(.*\/\/ SQLite only.*\n/gm;

/** The PostgreSQL schema text for a given SQLite schema text. */
export function postgresqlSchemaFrom(sqliteSchema: string): string {
  const datasource = /datasource\s+db\s*\{[^}]*provider\s*=\s*"sqlite"[^}]*\}/;
  const output = /(generator\s+client\s*\{[^}]*output\s*=\s*)"\.\.\/lib\/generated\/prisma"/;
  if (!datasource.test(sqliteSchema)) throw new Error('prisma/schema.prisma: no datasource db with provider "sqlite"');
  if (!output.test(sqliteSchema)) throw new Error('prisma/schema.prisma: the client generator does not output to ../lib/generated/prisma');
  return (
    header +
    sqliteSchema
      .replace(datasource, (block) => block.replace('"sqlite"', '"postgresql"'))
      .replace(output, '$1"../../lib/generated/prisma-postgresql"')
      // An index marked `// SQLite only`, with the doc comment above it, is left out (see SQLITE_ONLY).
      .replace(SQLITE_ONLY, '')
  );
}

/**
 * The schema for Prisma's `cockroachdb` provider (a distributed PostgreSQL-compatible engine; see the README). The one
 * difference: CockroachDB defines autoincrement() on BigInt only, so Int ids count with sequence() instead.
 */
export function cockroachdbSchemaFrom(sqliteSchema: string): string {
  return postgresqlSchemaFrom(sqliteSchema)
    .replace(/provider\s*=\s*"postgresql"/, 'provider = "cockroachdb"')
    .replace(/"\.\.\/\.\.\/lib\/generated\/prisma-postgresql"/, '"../../lib/generated/prisma-cockroachdb"')
    .replaceAll('@default(autoincrement())', '@default(sequence())')
    .replace('by `npm run db:schemas`', 'by cockroachdbSchemaFrom() (lib/store/schema-variants.ts)');
}
