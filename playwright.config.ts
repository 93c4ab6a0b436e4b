import { execFileSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

// Three servers: the imported sample on a fresh SQLite (deterministic records, hostile lines, pagination), and the
// demo as `npm run demo` runs it (simulator, collector inside the dashboard, demo panel) for the seed story, once on
// a fresh SQLite file and once on a fresh PostgreSQL database (the test server npm test starts, or the one
// scripts/postgres-test-server.sh starts).
const importedPort = Number(process.env.E2E_PORT ?? 3100);
const demoPort = importedPort + 1;
const pgDemoPort = importedPort + 2;
const demoDir = 'test-results/e2e-demo';
const pgDemoDir = 'test-results/e2e-demo-postgresql';
const pgServer = process.env.ENVOY_LENS_TEST_PG ?? execFileSync('bash', ['scripts/postgres-test-server.sh'], { encoding: 'utf8' }).trim();
const pgDemoUrl = `${pgServer}/envoy_lens_e2e_demo`;

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  forbidOnly: Boolean(process.env.CI),
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  timeout: 60_000,
  use: {
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    },
  },
  projects: [
    { name: 'imported', testMatch: /records\.spec\.ts/, use: { baseURL: `http://127.0.0.1:${importedPort}` } },
    { name: 'demo', testMatch: /seed-story\.spec\.ts/, use: { baseURL: `http://127.0.0.1:${demoPort}` }, metadata: { demoDir, shotPrefix: '' } },
    {
      name: 'demo-postgresql', testMatch: /seed-story\.spec\.ts/, use: { baseURL: `http://127.0.0.1:${pgDemoPort}` },
      metadata: { demoDir: pgDemoDir, shotPrefix: 'postgresql-' },
    },
  ],
  webServer: [
    {
      command: `node --import tsx e2e/prepare-db.ts && npx next start -H 127.0.0.1 -p ${importedPort}`,
      url: `http://127.0.0.1:${importedPort}/requests`,
      env: { DATABASE_URL: 'file:./test-results/e2e.db', NEXT_TELEMETRY_DISABLED: '1' },
      reuseExistingServer: false,
      timeout: 120_000,
    },
    {
      command: `rm -rf ${demoDir} && bash scripts/demo.sh`,
      url: `http://127.0.0.1:${demoPort}/`,
      env: { DEMO_DATA_DIR: demoDir, PORT: String(demoPort), NEXT_TELEMETRY_DISABLED: '1' },
      reuseExistingServer: false,
      timeout: 180_000,
    },
    {
      command: `rm -rf ${pgDemoDir} && node --import tsx e2e/fresh-postgres-database.ts ${pgDemoUrl} && bash scripts/demo.sh`,
      url: `http://127.0.0.1:${pgDemoPort}/`,
      env: { DEMO_DATA_DIR: pgDemoDir, DATABASE_URL: pgDemoUrl, PORT: String(pgDemoPort), NEXT_TELEMETRY_DISABLED: '1' },
      reuseExistingServer: false,
      timeout: 180_000,
    },
  ],
});
