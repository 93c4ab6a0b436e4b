// `envoy-lens prune` as a process on a seeded database: what --dry-run prints per table, then the deletion itself,
// retention flags over the defaults, and bad values refused with the flag named.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { sqliteFilePath } from '../store/database-url.ts';
import { deployMigrations } from '../store/migrate.ts';
import { tempSqliteDatabase } from '../testing/temp-database.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'envoy-lens.mjs');
const DAY = 86_400_000;
const db = tempSqliteDatabase('prune-cli');
const now = Date.now();

function cli(...args: string[]) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('ENVOY_LENS_RETAIN_')) delete env[k];
  return spawnSync(process.execPath, [bin, 'prune', '--db', db.url, ...args], { cwd: root, encoding: 'utf8', env });
}

const count = (table: string, where = '1 = 1') => {
  const d = new Database(sqliteFilePath(db.url), { readonly: true });
  try {
    return (d.prepare(`SELECT count(*) AS n FROM "${table}" WHERE ${where}`).get() as { n: number }).n;
  } finally {
    d.close();
  }
};

before(async () => {
  await deployMigrations(db.url);
  const d = new Database(sqliteFilePath(db.url));
  d.prepare(`INSERT INTO "Source" ("id", "key", "kind", "format", "createdAt", "updatedAt") VALUES (1, 'file:/a.log', 'file', 'f', 0, 0)`).run();
  const rec = d.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime") VALUES (1, ?, ?)`);
  // 3 records 10 days old, 2 of 2 days, 1 of an hour.
  [10, 10, 10, 2, 2, 1 / 24].forEach((days, i) => rec.run(i + 1, now - days * DAY));
  d.prepare(`INSERT INTO "RejectedLine" ("sourceId", "seq", "reason", "raw", "rawLength", "createdAt") VALUES (1, 100, 'r', 'x', 1, ?)`).run(now - 9 * DAY);
  d.prepare(`INSERT INTO "PodIp" ("ip", "namespace", "pod", "podUid", "fromTime", "toTime") VALUES ('10.0.0.1', 'ns', 'p', 'u', ?, ?)`).run(now - 20 * DAY, now - 8 * DAY);
  const minute = Math.floor(now / 60_000);
  const rollup = (table: string, periodMinutes: number, start: number) =>
    d.prepare(`INSERT INTO "${table}" ("periodMinutes", "periodStart", "sourceId") VALUES (?, ?, 1)`).run(periodMinutes, start);
  rollup('RecordRollup', 1, minute - 40 * 1440); // a minute row 40 days old: past 30d
  rollup('RecordRollup', 1, minute - 1440);
  rollup('RecordRollupHour', 60, Math.floor(minute / 60) * 60 - 40 * 1440); // an hour row 40 days old: within 400d
  d.close();
});
after(() => db.remove());

test('--dry-run prints, per table, what would go, and deletes nothing', () => {
  const r = cli('--dry-run');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], `database ${db.url}`);
  assert.equal(lines[1], 'dry run, nothing deleted (records kept 7d, minute rollups 30d, hour rollups 400d):');
  const table = (name: string) => lines.find((l) => l.trimStart().startsWith(`${name} `))?.trim().replace(/\s+/g, ' ');
  assert.match(table('AccessRecord')!, /^AccessRecord would delete 3 \(dated before \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
  assert.match(table('RejectedLine')!, /would delete 1 /);
  assert.match(table('IngestGap')!, /would delete 0 /);
  assert.match(table('PodIp')!, /would delete 1 /);
  assert.match(table('KubeObject')!, /would delete 0 /);
  assert.match(table('RecordRollup')!, /would delete 1 /);
  assert.match(table('RecordRollupHour')!, /would delete 0 /);
  // The records were written straight into the table, so no rollup counts them yet: the prune would count them first.
  assert.ok(lines.includes('first: would count into the rollups 6 records stored without them'), r.stdout);
  assert.equal(lines.at(-1), 'total: would delete 6 rows');
  assert.equal(count('AccessRecord'), 6);
  assert.equal(count('RecordRollup'), 2);
  assert.equal(count('RecordRollupHour'), 1);
});

test('flags over the defaults, off skips, then the deletion', () => {
  const keep = cli('--dry-run', '--retain-records', '36h', '--retain-minute-rollups', 'off');
  assert.equal(keep.status, 0, keep.stderr);
  assert.match(keep.stdout, /records kept 36h, minute rollups off, hour rollups 400d/);
  assert.match(keep.stdout, /AccessRecord\s+would delete 5 /);
  assert.match(keep.stdout, /RecordRollup\s+skipped: kept forever/);
  const run = cli('--retain-records', '36h');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^pruned \(records kept 36h/m);
  assert.match(run.stdout, /AccessRecord\s+deleted 5 /);
  assert.match(run.stdout, /^first: counted 6 records into the rollups, so long-range charts keep them$/m);
  assert.match(run.stdout, /^total: deleted 8 rows in \d+ transactions; longest \d+ ms$/m);
  assert.equal(count('AccessRecord'), 1);
  // The rollup rows kept (a minute, an hour), plus a minute and an hour row for each of the three start times counted.
  assert.equal(count('RecordRollup'), 4);
  assert.equal(count('RecordRollup', `"records" > 0`), 3);
  assert.equal(count('RecordRollupHour'), 4);
  assert.equal(count('Source'), 1, 'sources stay');
});

test('a bad value is refused, naming the flag or the variable', () => {
  const flag = cli('--retain-records', '7x');
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /^envoy-lens: --retain-records "7x": expected a whole number of minutes, hours or days \(90m, 36h, 7d\), or 0 \/ off to keep forever$/m);
  const env = spawnSync(process.execPath, [bin, 'prune', '--db', db.url, '--dry-run'], { cwd: root, encoding: 'utf8', env: { ...process.env, ENVOY_LENS_RETAIN_HOUR_ROLLUPS: '1y' } });
  assert.equal(env.status, 1);
  assert.match(env.stderr, /bad environment variable ENVOY_LENS_RETAIN_HOUR_ROLLUPS "1y"/);
  const collect = spawnSync(process.execPath, [bin, 'collect', '--retain-hour-rollups', '-3d'], { cwd: root, encoding: 'utf8' });
  assert.equal(collect.status, 2);
  assert.match(collect.stderr, /--retain-hour-rollups "-3d": expected/);
  const serve = spawnSync(process.execPath, [bin, 'serve', '--retain-records', '1d'], { cwd: root, encoding: 'utf8' });
  assert.equal(serve.status, 2);
  assert.match(serve.stderr, /--retain-records applies with --collect only/);
});
