// The PostgreSQL schema written from the SQLite one: the provider and client path swapped, and indexes marked
// `// SQLite only` (with their doc comments) left out, nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresqlSchemaFrom } from './schema-variants.ts';

const sqlite = `datasource db {
  provider = "sqlite"
}

generator client {
  provider = "prisma-client"
  output   = "../lib/generated/prisma"
}

model A {
  id   Int     @id
  path String?
  key  String?

  @@index([key])
  /// Why this one is SQLite's alone,
  /// over two lines.
  @@index([path, id]) // SQLite only
}
`;

test('indexes marked SQLite only are left out with their doc comment; the rest is kept as written', () => {
  const pg = postgresqlSchemaFrom(sqlite);
  assert.match(pg, /provider = "postgresql"/);
  assert.match(pg, /output {3}= "\.\.\/\.\.\/lib\/generated\/prisma-postgresql"/);
  assert.match(pg, /  @@index\(\[key\]\)\n}/);
  assert.doesNotMatch(pg, /path, id|SQLite's alone|over two lines/);
});
