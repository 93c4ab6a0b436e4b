// Before the PostgreSQL demo starts: its database, dropped if a previous run left it, and created empty (the demo's
// `serve` applies the migrations).
import { recreatePostgresDatabase } from '../lib/testing/test-postgres.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: fresh-postgres-database.ts postgresql://…/NAME');
await recreatePostgresDatabase(url);
