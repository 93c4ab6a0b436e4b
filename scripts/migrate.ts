// `npm run db:migrate` applies pending migrations to DATABASE_URL (SQLite or PostgreSQL).
// `npm run db:schemas` writes prisma/postgresql/schema.prisma from prisma/schema.prisma.
// `npm run db:new -- NAME` writes the SQLite migration for a changed prisma/schema.prisma and its PostgreSQL twin
// under the same folder name (against the test PostgreSQL server, started if needed).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigration, deployMigrations } from '../lib/store/migrate.ts';
import { postgresqlSchemaFrom, schemaVariants } from '../lib/store/schema-variants.ts';
import { loadSettings } from '../lib/settings.ts';

const [command, name] = process.argv.slice(2);

function writeSchemas(): void {
  const text = postgresqlSchemaFrom(readFileSync(schemaVariants.sqlite.schemaPath, 'utf8'));
  writeFileSync(schemaVariants.postgresql.schemaPath, text);
  console.log(`wrote ${path.relative(process.cwd(), schemaVariants.postgresql.schemaPath)}`);
}

if (command === 'deploy') {
  const { databaseUrl } = loadSettings();
  const applied = await deployMigrations(databaseUrl);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} else if (command === 'schemas') {
  writeSchemas();
} else if (command === 'create' && name) {
  writeSchemas();
  const scratch = `file:${path.join(mkdtempSync(path.join(tmpdir(), 'envoy-lens-new-')), 'scratch.db')}`;
  const dir = await createMigration(scratch, name);
  if (!dir) {
    console.log('schema matches the migrations: nothing to write');
  } else {
    console.log(`wrote ${dir}`);
    const server = execFileSync('bash', [path.join(import.meta.dirname, 'postgres-test-server.sh')], { encoding: 'utf8' }).trim();
    const { createScratchPostgresDatabase } = await import('../lib/testing/test-postgres.ts');
    const pgScratch = await createScratchPostgresDatabase(server, 'envoy_lens_new_migration');
    try {
      const twin = await createMigration(pgScratch.url, name, { folderName: path.basename(dir) });
      console.log(twin ? `wrote ${twin}` : 'PostgreSQL: schema matches the migrations (nothing to write)');
    } finally {
      await pgScratch.drop();
    }
  }
} else {
  console.error('usage: migrate.ts deploy | schemas | create NAME');
  process.exit(2);
}
