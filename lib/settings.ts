// The one place that reads the environment. Everything else receives typed settings.
import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './store/database-url.ts';

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
});

export interface EmbeddedCollectSettings {
  kubeconfig?: string;
  context?: string;
  /** Undefined: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  containers?: string[];
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
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`bad environment variable ${issue.path.join('.')}: ${issue.message}`);
  }
  return {
    databaseUrl: parsed.data.DATABASE_URL,
    suppress: parsed.data.ENVOY_LENS_SUPPRESS.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean),
    ...(parsed.data.ENVOY_LENS_COLLECT_KUBECONFIG ? { collectKubeconfig: parsed.data.ENVOY_LENS_COLLECT_KUBECONFIG } : {}),
    ...(parsed.data.ENVOY_LENS_COLLECT_KUBECONFIG || parsed.data.ENVOY_LENS_COLLECT === '1' ? { collect: collectSettings(parsed.data) } : {}),
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
