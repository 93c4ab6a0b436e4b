// envoy-lens serve: the dashboard's production build on a database, optionally with the live collector inside it
// (--collect and the collector's flags) and the demo panel (--simulator-url). Builds the dashboard first when the
// build is missing or older than the sources (a source checkout). Runs until SIGINT/SIGTERM, which it passes on.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { deployMigrations } from '../store/migrate.ts';
import { redact } from '../store/database-url.ts';

export interface ServeOptions {
  databaseUrl: string;
  host: string;
  port: number;
  collect?: { kubeconfig?: string; context?: string; namespace?: string; labelSelector?: string; containers?: string[] };
  simulatorUrl?: string;
  suppress?: string[];
}

const root = path.resolve(import.meta.dirname, '..', '..');

/** The newest modification time under `dir` (skipping generated code), for the staleness check. */
function newest(dir: string): number {
  let latest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'generated' || e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    latest = Math.max(latest, e.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

function buildIfNeeded(next: string, log: (line: string) => void): void {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  const sources = ['app', 'lib'].map((d) => path.join(root, d)).filter(existsSync);
  const stale = !existsSync(buildId) || sources.some((d) => newest(d) > statSync(buildId).mtimeMs);
  if (!stale) return;
  log('building the dashboard (about a minute the first time) …');
  const r = spawnSync(process.execPath, [next, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (r.status !== 0) throw new Error('next build failed (run `npx next build` to see why)');
}

export async function runServe(o: ServeOptions, log: (line: string) => void, signal: AbortSignal): Promise<number> {
  await deployMigrations(o.databaseUrl);
  const next = createRequire(import.meta.url).resolve('next/dist/bin/next');
  buildIfNeeded(next, log);
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', DATABASE_URL: o.databaseUrl };
  if (o.collect) {
    env.ENVOY_LENS_COLLECT = '1';
    if (o.collect.kubeconfig) env.ENVOY_LENS_COLLECT_KUBECONFIG = path.resolve(o.collect.kubeconfig);
    if (o.collect.context) env.ENVOY_LENS_COLLECT_CONTEXT = o.collect.context;
    if (o.collect.namespace) env.ENVOY_LENS_COLLECT_NAMESPACE = o.collect.namespace;
    if (o.collect.labelSelector) env.ENVOY_LENS_COLLECT_SELECTOR = o.collect.labelSelector;
    if (o.collect.containers?.length) env.ENVOY_LENS_COLLECT_CONTAINERS = o.collect.containers.join(',');
  }
  if (o.simulatorUrl) env.ENVOY_LENS_SIMULATOR_URL = o.simulatorUrl;
  if (o.suppress?.length) env.ENVOY_LENS_SUPPRESS = o.suppress.join(',');
  const shown = o.host === '0.0.0.0' || o.host === '::' ? 'localhost' : o.host.includes(':') ? `[${o.host}]` : o.host;
  log(`envoy-lens dashboard: http://${shown}:${o.port}/   (database ${redact(o.databaseUrl)}${o.collect ? ', live collector inside' : ''})`);
  const child = spawn(process.execPath, [next, 'start', '-H', o.host, '-p', String(o.port)], { cwd: root, env, stdio: 'inherit' });
  const stop = () => child.kill('SIGTERM');
  signal.addEventListener('abort', stop, { once: true });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      signal.removeEventListener('abort', stop);
      resolve(code ?? (sig === 'SIGTERM' || sig === 'SIGINT' ? 0 : 1));
    });
  });
}
