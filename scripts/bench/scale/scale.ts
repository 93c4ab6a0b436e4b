// `npm run bench -- --scale [--records N] [--days D] [--runs R] [--backends sqlite,postgresql]`: generates N records
// (10,000,000 by default) on each backend, once (kept under .bench/ and in a PostgreSQL database for later runs), then
// times every dashboard query on each and prints p50/p95 against the 150 ms target, and the speed-up over counting
// records directly (the baseline, measured in the same run).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deployMigrations } from '../../../lib/store/migrate.ts';
import { withDatabase } from '../../../lib/store/postgres/pg-config.ts';
import { recreatePostgresDatabase } from '../../../lib/testing/test-postgres.ts';

export async function runScaleBench(root: string, options: { records: number; days: number; runs: number; backends: string[] }): Promise<void> {
  const dir = path.join(root, '.bench');
  mkdirSync(dir, { recursive: true });
  const target = 150;
  const summary: string[] = [];
  for (const backend of options.backends) {
    console.log(`\n== ${backend}: ${options.records.toLocaleString('en-US')} records over ${options.days} days`);
    const url = backend === 'sqlite' ? `file:${path.join(dir, `scale-${options.records}.db`)}` : postgresDatabase(root, `envoy_lens_bench_${options.records}`);
    const marker = path.join(dir, `scale-${options.records}-${options.days}d.${backend}.json`);
    let endMs: number;
    if (existsSync(marker)) {
      endMs = (JSON.parse(readFileSync(marker, 'utf8')) as { endMs: number }).endMs;
      console.log(`  reusing the records generated earlier (${marker}; delete it to regenerate)`);
      const applied = await deployMigrations(url);
      if (applied.length) console.log(`  migrated: ${applied.join(', ')}`);
    } else {
      if (backend === 'sqlite') for (const f of ['', '-wal', '-shm']) rmSync(`${url.slice(5)}${f}`, { force: true });
      else await recreatePostgresDatabase(url);
      endMs = Math.floor(Date.now() / 60_000) * 60_000;
      const gen = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'scale-generate.ts'),
        '--records', String(options.records), '--days', String(options.days), '--end-ms', String(endMs)],
        { cwd: root, env: { ...process.env, DATABASE_URL: url }, stdio: 'inherit' });
      if (gen.status !== 0) throw new Error(`generating the ${backend} records failed`);
      writeFileSync(marker, JSON.stringify({ endMs }));
    }
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'scale-queries.ts'),
      '--runs', String(options.runs), '--end-ms', String(endMs), '--records', String(options.records)],
      { cwd: root, env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    const { results, baseline } = JSON.parse(out.trim().split('\n').pop()!) as {
      results: { api: string; p50: number; p95: number }[]; baseline: { api: string; p50: number };
    };
    const over = results.filter((r) => r.p95 >= target);
    const chart = results.find((r) => r.api === '/responses, 7 d')!;
    console.log(`  ${results.length} queries; worst p95 ${Math.max(...results.map((r) => r.p95)).toFixed(1)} ms; ${over.length ? `${over.length} over ${target} ms: ${over.map((r) => r.api).join('; ')}` : `all under ${target} ms`}`);
    console.log(`  baseline: ${baseline.api}: ${baseline.p50.toFixed(0)} ms; the same chart from rollups: p50 ${chart.p50.toFixed(1)} ms (${(baseline.p50 / chart.p50).toFixed(0)}× faster)`);
    summary.push(`${backend.padEnd(10)} worst p95 ${Math.max(...results.map((r) => r.p95)).toFixed(1).padStart(7)} ms  (${over.length} of ${results.length} over ${target} ms)`);
  }
  console.log(`\n${summary.join('\n')}\ntimes per query: ${options.runs} runs after 2 warm-ups, each backend in its own process, same machine, same run.`);
}

/** The bench's PostgreSQL database: ENVOY_LENS_BENCH_PG (a server URL) or the test server. */
function postgresDatabase(root: string, name: string): string {
  const server = process.env.ENVOY_LENS_BENCH_PG?.replace(/\/+$/, '') ||
    execFileSync('bash', [path.join(root, 'scripts', 'postgres-test-server.sh')], { encoding: 'utf8' }).trim();
  return withDatabase(`${server}/postgres`, name);
}
