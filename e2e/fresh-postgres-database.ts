// Before the PostgreSQL demo starts: its database, dropped if a previous run left it, and created empty (the demo's
// `serve` applies the migrations).
import pg from 'pg';
import { pgConfigFrom, withDatabase } from '../lib/store/postgres/pg-config.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: fresh-postgres-database.ts postgresql://…/NAME');
const name = new URL(url).pathname.slice(1);
if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unexpected database name "${name}"`);
const admin = new pg.Client(pgConfigFrom(withDatabase(url, 'postgres')));
await admin.connect();
try {
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
} finally {
  await admin.end();
}
