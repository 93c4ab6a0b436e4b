// Fills a fresh database for the end-to-end run through the real CLI: a seed-format log with hostile user agents.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { seedLogLines } from '../lib/sample/seed-log.ts';

const dir = 'test-results';
mkdirSync(dir, { recursive: true });
for (const suffix of ['', '-wal', '-shm']) rmSync(`${dir}/e2e.db${suffix}`, { force: true });
const lines = [...seedLogLines(250, { seed: 7 })];
// The newest lines carry markup and a forged field in client-controlled headers.
lines.push('[2025-12-16T10:30:00.000Z] "GET /test/<b>bold</b> HTTP/1.1" 200 40 3 xss-request-1 "<img src=x onerror=alert(1)>" "-" 10.244.0.81:10000 app_service -');
lines.push('[2025-12-16T10:30:00.100Z] "GET /test HTTP/1.1" 200 40 3 <script>alert(2)</script> "curl/8.5.0" "-" 10.244.0.82:10000 app_service -');
lines.push('this is not an access log line');
writeFileSync(`${dir}/e2e-access.log`, lines.join('\n') + '\n');
execFileSync(process.execPath, ['bin/envoy-lens.mjs', 'import', '--no-progress', '--config', 'fixtures/seed/envoy-config.configmap.yaml',
  '--namespace', 'default', '--pod', 'nginx-test-6df974c9f9-qksd4', `${dir}/e2e-access.log`], {
  env: { ...process.env, DATABASE_URL: `file:./${dir}/e2e.db` },
  stdio: 'inherit',
});
