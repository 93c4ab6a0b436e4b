// npm test: every suite (unit and integration on node:test, end-to-end on Playwright with Debian's chromium), then
// one closing line `N passed, N failed` over all of them.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'envoy-lens-test-'));
const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true' };
const totals = { passed: 0, failed: 0, skipped: 0 };

// The store and analysis suites run on SQLite and on PostgreSQL: one throwaway server for the whole run (Debian's
// postgresql, data under this run's temp folder), stopped at the end.
// Its own folder, readable by the postgres user the server runs as when we are root (mkdtemp folders are 0700).
const pgDir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-test-pg-'));
chmodSync(pgDir, 0o755);
env.ENVOY_LENS_TEST_PG_DIR = pgDir;
env.ENVOY_LENS_TEST_PG_PORT = String(await freePort());
env.ENVOY_LENS_TEST_PG = execFileSync('bash', [path.join(root, 'scripts', 'postgres-test-server.sh')], { env, encoding: 'utf8' }).trim();
console.log(`PostgreSQL for the tests: ${env.ENVOY_LENS_TEST_PG} (data in ${pgDir})`);
process.on('exit', () => {
  const bin = execFileSync('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1'], { encoding: 'utf8' }).trim();
  const stop = `'${bin}/pg_ctl' -D '${pgDir}/data' -m fast stop`;
  spawnSync('bash', ['-c', process.getuid?.() === 0 ? `su postgres -s /bin/bash -c "${stop}"` : stop], { stdio: 'ignore' });
  rmSync(pgDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['node_modules', 'generated', '.next', 'e2e'].includes(entry.name)) findTests(full, out);
    } else if (/\.test\.tsx?$/.test(entry.name)) out.push(path.relative(root, full));
  }
  return out.sort();
}

function run(title: string, command: string, args: string[]): number {
  console.log(`\n=== ${title}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  return result.status ?? 1;
}

// 1. Unit and integration tests (node:test), two files at a time; then soak tests alone, so that nothing else
// competes with them for the machine's two cores.
const all = ['lib', 'scripts'].flatMap((d) => (existsSync(path.join(root, d)) ? findTests(path.join(root, d)) : []));
const soaks = all.filter((f) => f.endsWith('.soak.test.ts'));
const files = all.filter((f) => !soaks.includes(f));
function nodeTests(title: string, list: string[], concurrency: number, summary: string): void {
  run(title, process.execPath, [
    '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/test-summary-reporter.mjs', `--test-reporter-destination=${summary}`,
    ...list,
  ]);
  addCounts('node:test', summary, (text) => JSON.parse(text));
}
nodeTests(`unit and integration tests (${files.length} files)`, files, 2, path.join(tmp, 'node-tests.json'));
if (soaks.length) nodeTests(`soak tests (${soaks.join(', ')})`, soaks, 1, path.join(tmp, 'soak-tests.json'));

// 2. End-to-end: production build, then Playwright against it.
const e2eSpecs = existsSync(path.join(root, 'e2e')) ? readdirSync(path.join(root, 'e2e')).filter((f) => f.endsWith('.spec.ts')) : [];
if (e2eSpecs.length) {
  if (run('production build', 'npx', ['next', 'build']) !== 0) {
    console.log('build failed: counting every end-to-end spec file as failed');
    totals.failed += e2eSpecs.length;
  } else {
    const report = path.join(tmp, 'playwright.json');
    env.PLAYWRIGHT_JSON_OUTPUT_NAME = report;
    run('end-to-end tests (Playwright, Debian chromium)', 'npx', ['playwright', 'test', '--reporter=list,json']);
    addCounts('playwright', report, (text) => {
      const stats = JSON.parse(text).stats;
      return { passed: stats.expected + stats.flaky, failed: stats.unexpected, skipped: stats.skipped };
    });
  }
}

function addCounts(name: string, file: string, read: (text: string) => typeof totals) {
  if (!existsSync(file)) {
    console.log(`${name}: no results were written (the runner crashed): counted as 1 failure`);
    totals.failed += 1;
    return;
  }
  const counts = read(readFileSync(file, 'utf8'));
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
}

console.log('');
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed > 0 ? 1 : 0);
