// `npm run db:migrate` applies pending migrations; `npm run db:new -- NAME` writes a new one from schema.prisma.
import { createMigration, deployMigrations } from '../lib/store/migrate.ts';
import { loadSettings } from '../lib/settings.ts';

const [command, name] = process.argv.slice(2);
const { databaseUrl } = loadSettings();
if (command === 'deploy') {
  const applied = await deployMigrations(databaseUrl);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} else if (command === 'create' && name) {
  const dir = await createMigration(databaseUrl, name);
  console.log(dir ? `wrote ${dir}` : 'schema matches the migrations: nothing to write');
} else {
  console.error('usage: migrate.ts deploy | create NAME');
  process.exit(2);
}
