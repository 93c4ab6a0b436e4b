// envoy-lens serve: the dashboard's production build on a database, optionally with the live collector inside it
// (--collect and the collector's flags) and the demo panel (--simulator-url). Builds the dashboard first when the
// build is missing or older than the sources (a source checkout). Runs until SIGINT/SIGTERM, which it passes on.
// Bound to anything but loopback it refuses to start without auth (--token, --basic-auth, --trust-proxy-header) or an
// explicit --no-auth; the chosen auth reaches the server process (proxy.ts) through the environment.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { deployMigrations } from '../store/migrate.ts';
import { redact } from '../store/database-url.ts';
import { AUTH_ENV_NAMES, dashboardAuthFrom, type DashboardAuth, type Settings } from '../settings.ts';
import { UsageError } from './usage-error.ts';
import { formatRetention, RETENTION_NAMES, type RetentionPolicy } from '../store/retention-store.ts';

export interface ServeOptions {
  databaseUrl: string;
  host: string;
  port: number;
  collect?: { kubeconfig?: string; context?: string; namespace?: string; labelSelector?: string; containers?: string[]; retention?: RetentionPolicy };
  simulatorUrl?: string;
  suppress?: string[];
  /** How the dashboard checks requests; `none` on a non-loopback host needs `noAuth`. */
  auth: DashboardAuth;
  /** Serve without auth even on a non-loopback host (--no-auth). */
  noAuth?: boolean;
  metricsPublic?: boolean;
}

export interface ServeAuthFlags {
  token?: string;
  basicAuth?: string;
  trustProxyHeader?: string;
  /** false with --no-auth (commander's negated option). */
  auth?: boolean;
}

/** The auth `serve` uses: its flags, else the environment's (ENVOY_LENS_TOKEN, …). Throws UsageError on a conflict. */
export function serveAuthOptions(flags: ServeAuthFlags, settings: Settings): Pick<ServeOptions, 'auth' | 'noAuth' | 'metricsPublic'> {
  let fromFlags: DashboardAuth;
  try {
    fromFlags = dashboardAuthFrom(flags, { token: '--token', basicAuth: '--basic-auth', trustProxyHeader: '--trust-proxy-header' });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (flags.auth === false) {
    if (fromFlags.kind !== 'none') throw new UsageError('--no-auth and an auth option contradict each other: choose one');
    return { auth: { kind: 'none' }, noAuth: true, metricsPublic: settings.metricsPublic };
  }
  return { auth: fromFlags.kind !== 'none' ? fromFlags : settings.auth, metricsPublic: settings.metricsPublic };
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Refuses an unprotected dashboard on a non-loopback address, before anything is built or migrated. */
export function assertProtectedIfExposed(o: Pick<ServeOptions, 'host' | 'auth' | 'noAuth'>): void {
  if (isLoopbackHost(o.host) || o.auth.kind !== 'none' || o.noAuth) return;
  throw new UsageError(
    `--host ${o.host} is not a loopback address: anyone who reaches it would see every request stored. Protect the dashboard ` +
    `with --token <token> (or ENVOY_LENS_TOKEN), --basic-auth <user:password> (or ENVOY_LENS_BASIC_AUTH), or, behind an ` +
    `auth proxy, --trust-proxy-header <Header-Name> (or ENVOY_LENS_TRUST_PROXY_HEADER); or pass --no-auth to serve it unprotected`,
  );
}

/** The environment variables that carry `auth` to the server process; the others are removed. */
function authEnvironment(env: NodeJS.ProcessEnv, o: Pick<ServeOptions, 'auth' | 'metricsPublic'>): void {
  for (const name of Object.values(AUTH_ENV_NAMES)) delete env[name];
  if (o.auth.kind === 'token') env[AUTH_ENV_NAMES.token] = o.auth.token;
  if (o.auth.kind === 'basic') env[AUTH_ENV_NAMES.basicAuth] = `${o.auth.user}:${o.auth.password}`;
  if (o.auth.kind === 'proxy-header') env[AUTH_ENV_NAMES.trustProxyHeader] = o.auth.header;
  env.ENVOY_LENS_METRICS_PUBLIC = o.metricsPublic ? '1' : '0';
}

function authDescription(o: Pick<ServeOptions, 'auth' | 'host'>): string {
  switch (o.auth.kind) {
    case 'token': return 'token auth';
    case 'basic': return 'basic auth';
    case 'proxy-header': return `user from the ${o.auth.header} header of the auth proxy in front`;
    case 'none': return isLoopbackHost(o.host) ? 'no auth, loopback only' : 'NO AUTH';
  }
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
  assertProtectedIfExposed(o);
  await deployMigrations(o.databaseUrl);
  const next = createRequire(import.meta.url).resolve('next/dist/bin/next');
  buildIfNeeded(next, log);
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', DATABASE_URL: o.databaseUrl };
  // What the server does is said by the flags alone: a collector or a demo panel left in the caller's environment
  // must not start without --collect or --simulator-url.
  for (const key of Object.keys(env)) if (key.startsWith('ENVOY_LENS_COLLECT') || key === 'ENVOY_LENS_SIMULATOR_URL') delete env[key];
  if (o.collect) {
    env.ENVOY_LENS_COLLECT = '1';
    if (o.collect.kubeconfig) env.ENVOY_LENS_COLLECT_KUBECONFIG = path.resolve(o.collect.kubeconfig);
    if (o.collect.context) env.ENVOY_LENS_COLLECT_CONTEXT = o.collect.context;
    if (o.collect.namespace) env.ENVOY_LENS_COLLECT_NAMESPACE = o.collect.namespace;
    if (o.collect.labelSelector) env.ENVOY_LENS_COLLECT_SELECTOR = o.collect.labelSelector;
    if (o.collect.containers?.length) env.ENVOY_LENS_COLLECT_CONTAINERS = o.collect.containers.join(',');
    const retention = o.collect.retention;
    if (retention) for (const k of Object.keys(RETENTION_NAMES) as (keyof RetentionPolicy)[]) env[RETENTION_NAMES[k].env] = formatRetention(retention[k]);
  }
  if (o.simulatorUrl) env.ENVOY_LENS_SIMULATOR_URL = o.simulatorUrl;
  if (o.suppress?.length) env.ENVOY_LENS_SUPPRESS = o.suppress.join(',');
  authEnvironment(env, o);
  const shown = o.host === '0.0.0.0' || o.host === '::' ? 'localhost' : o.host.includes(':') ? `[${o.host}]` : o.host;
  log(`envoy-lens dashboard: http://${shown}:${o.port}/   (database ${redact(o.databaseUrl)}${o.collect ? ', live collector inside' : ''}, ${authDescription(o)})`);
  if (o.auth.kind === 'none' && !isLoopbackHost(o.host)) {
    log(`WARNING: --no-auth: the dashboard on ${o.host}:${o.port} is UNPROTECTED: anyone who reaches it sees every request stored${o.simulatorUrl ? ' and drives the demo' : ''}`);
  }
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
