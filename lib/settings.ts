// The one place that reads the environment. Everything else receives typed settings.
import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './store/database-url.ts';
import { DEFAULT_RETENTION, parseRetention, RETENTION_NAMES, type RetentionPolicy } from './store/retention-store.ts';

const settingsSchema = z.object({
  DATABASE_URL: z.string().min(1).default(DEFAULT_DATABASE_URL),
  /** A kubeconfig: the dashboard process then runs the live collector too (the demo does this). */
  ENVOY_LENS_COLLECT_KUBECONFIG: z.string().min(1).optional(),
  /** 1: run the collector in the dashboard process with kubectl's default kubeconfig (`envoy-lens serve --collect`). */
  ENVOY_LENS_COLLECT: z.enum(['0', '1']).optional(),
  ENVOY_LENS_COLLECT_CONTEXT: z.string().min(1).optional(),
  /** A namespace, or empty for all. */
  ENVOY_LENS_COLLECT_NAMESPACE: z.string().optional(),
  ENVOY_LENS_COLLECT_SELECTOR: z.string().min(1).optional(),
  ENVOY_LENS_COLLECT_CONTAINERS: z.string().min(1).optional(),
  /** The simulator's address: the dashboard then shows the demo panel that drives it. */
  ENVOY_LENS_SIMULATOR_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Rule codes silenced everywhere, comma-separated (EL0003,EL0009). */
  ENVOY_LENS_SUPPRESS: z.string().regex(/^\s*(EL\d{4}\s*(,\s*EL\d{4}\s*)*)?$/i, 'expected rule codes separated by commas, like EL0003,EL0009').default(''),
  /** Dashboard auth, at most one of the three (envoy-lens serve --token, --basic-auth, --trust-proxy-header). */
  ENVOY_LENS_TOKEN: z.string().optional(),
  ENVOY_LENS_BASIC_AUTH: z.string().optional(),
  ENVOY_LENS_TRUST_PROXY_HEADER: z.string().optional(),
  /** 1: /metrics answers without auth (probes /healthz and /readyz always do). */
  ENVOY_LENS_METRICS_PUBLIC: z.enum(['0', '1']).optional(),
  /** How long a collector keeps raw records, minute rollups and hour rollups: 90m, 36h, 7d, or 0 / off for ever. */
  ENVOY_LENS_RETAIN_RECORDS: z.string().optional(),
  ENVOY_LENS_RETAIN_MINUTE_ROLLUPS: z.string().optional(),
  ENVOY_LENS_RETAIN_HOUR_ROLLUPS: z.string().optional(),
});

/** How the dashboard checks requests (lib/web/auth.ts); `none` only where it listens on loopback or was told --no-auth. */
export type DashboardAuth =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  | { kind: 'basic'; user: string; password: string }
  /** An auth proxy in front sets this header (to the user it authenticated); requests without it are refused. */
  | { kind: 'proxy-header'; header: string };

export interface DashboardAuthInput {
  token?: string | undefined;
  basicAuth?: string | undefined;
  trustProxyHeader?: string | undefined;
}

/** A bearer token (RFC 6750's token68): also safe as a cookie value and in a query string. */
const TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** An HTTP field name (RFC 9110 token). */
const HEADER_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The one auth mode the values ask for, validated; `name` says what to call each value in an error (an environment
 * variable or a flag). Throws an Error naming the value when one is malformed or more than one is set.
 */
export function dashboardAuthFrom(input: DashboardAuthInput, name: Record<keyof DashboardAuthInput, string>): DashboardAuth {
  const given = (Object.keys(name) as (keyof DashboardAuthInput)[]).filter((k) => input[k] !== undefined);
  if (given.length > 1) throw new Error(`${given.map((k) => name[k]).join(' and ')}: choose one way to authenticate`);
  const { token, basicAuth, trustProxyHeader } = input;
  if (token !== undefined) {
    if (!TOKEN_PATTERN.test(token)) throw new Error(`${name.token}: expected a token of letters, digits and -._~+/ (like the output of openssl rand -hex 32)`);
    return { kind: 'token', token };
  }
  if (basicAuth !== undefined) {
    const colon = basicAuth.indexOf(':');
    if (colon < 1 || colon === basicAuth.length - 1 || /[\u0000-\u001f\u007f]/.test(basicAuth)) {
      throw new Error(`${name.basicAuth}: expected user:password, both non-empty (the user without a colon)`);
    }
    return { kind: 'basic', user: basicAuth.slice(0, colon), password: basicAuth.slice(colon + 1) };
  }
  if (trustProxyHeader !== undefined) {
    if (!HEADER_NAME_PATTERN.test(trustProxyHeader)) throw new Error(`${name.trustProxyHeader}: expected an HTTP header name, like X-Forwarded-User`);
    return { kind: 'proxy-header', header: trustProxyHeader };
  }
  return { kind: 'none' };
}

export const AUTH_ENV_NAMES = { token: 'ENVOY_LENS_TOKEN', basicAuth: 'ENVOY_LENS_BASIC_AUTH', trustProxyHeader: 'ENVOY_LENS_TRUST_PROXY_HEADER' } as const;

export interface EmbeddedCollectSettings {
  kubeconfig?: string;
  context?: string;
  /** Undefined: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  containers?: string[];
  /** What the collector prunes (the same as Settings.retention). */
  retention?: RetentionPolicy;
}

export interface Settings {
  databaseUrl: string;
  /** Run the collector inside the dashboard process, against this kubeconfig. */
  collectKubeconfig?: string;
  /** Run the collector inside the dashboard process (set when collectKubeconfig is, or ENVOY_LENS_COLLECT=1). */
  collect?: EmbeddedCollectSettings;
  simulatorUrl?: string;
  /** Rule codes silenced everywhere. */
  suppress: string[];
  /** How the dashboard checks requests. */
  auth: DashboardAuth;
  /** /metrics answers without auth. */
  metricsPublic: boolean;
  /** How long records and rollups are kept (ENVOY_LENS_RETAIN_*; defaults 7d, 30d, 400d). */
  retention: RetentionPolicy;
}

/** The retention the environment asks for, each value defaulting on its own. */
export function retentionFromEnv(env: Record<string, string | undefined>): RetentionPolicy {
  const policy = { ...DEFAULT_RETENTION };
  for (const key of Object.keys(RETENTION_NAMES) as (keyof RetentionPolicy)[]) {
    const name = RETENTION_NAMES[key].env;
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    try {
      policy[key] = parseRetention(name, value);
    } catch (err) {
      throw new Error(`bad environment variable ${(err as Error).message}`);
    }
  }
  return policy;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`bad environment variable ${issue.path.join('.')}: ${issue.message}`);
  }
  let auth: DashboardAuth;
  try {
    auth = dashboardAuthFrom({
      token: parsed.data.ENVOY_LENS_TOKEN, basicAuth: parsed.data.ENVOY_LENS_BASIC_AUTH, trustProxyHeader: parsed.data.ENVOY_LENS_TRUST_PROXY_HEADER,
    }, AUTH_ENV_NAMES);
  } catch (err) {
    throw new Error(`bad environment variable ${(err as Error).message}`);
  }
  const retention = retentionFromEnv(env);
  return {
    databaseUrl: parsed.data.DATABASE_URL,
    retention,
    auth,
    metricsPublic: parsed.data.ENVOY_LENS_METRICS_PUBLIC === '1',
    suppress: parsed.data.ENVOY_LENS_SUPPRESS.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean),
    ...(parsed.data.ENVOY_LENS_COLLECT_KUBECONFIG ? { collectKubeconfig: parsed.data.ENVOY_LENS_COLLECT_KUBECONFIG } : {}),
    ...(parsed.data.ENVOY_LENS_COLLECT_KUBECONFIG || parsed.data.ENVOY_LENS_COLLECT === '1' ? { collect: { ...collectSettings(parsed.data), retention } } : {}),
    ...(parsed.data.ENVOY_LENS_SIMULATOR_URL ? { simulatorUrl: parsed.data.ENVOY_LENS_SIMULATOR_URL } : {}),
  };
}

function collectSettings(env: z.infer<typeof settingsSchema>): EmbeddedCollectSettings {
  const containers = env.ENVOY_LENS_COLLECT_CONTAINERS?.split(',').map((c) => c.trim()).filter(Boolean);
  return {
    ...(env.ENVOY_LENS_COLLECT_KUBECONFIG ? { kubeconfig: env.ENVOY_LENS_COLLECT_KUBECONFIG } : {}),
    ...(env.ENVOY_LENS_COLLECT_CONTEXT ? { context: env.ENVOY_LENS_COLLECT_CONTEXT } : {}),
    ...(env.ENVOY_LENS_COLLECT_NAMESPACE ? { namespace: env.ENVOY_LENS_COLLECT_NAMESPACE } : {}),
    ...(env.ENVOY_LENS_COLLECT_SELECTOR ? { labelSelector: env.ENVOY_LENS_COLLECT_SELECTOR } : {}),
    ...(containers?.length ? { containers } : {}),
  };
}
