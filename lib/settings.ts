// The one place that reads the environment. Everything else receives typed settings.
import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './store/database-url.ts';

const settingsSchema = z.object({
  DATABASE_URL: z.string().min(1).default(DEFAULT_DATABASE_URL),
  /** A kubeconfig: the dashboard process then runs the live collector too (the demo does this). */
  ENVOY_LENS_COLLECT_KUBECONFIG: z.string().min(1).optional(),
  /** Rule codes silenced everywhere, comma-separated (EL0003,EL0009). */
  ENVOY_LENS_SUPPRESS: z.string().regex(/^\s*(EL\d{4}\s*(,\s*EL\d{4}\s*)*)?$/i, 'expected rule codes separated by commas, like EL0003,EL0009').default(''),
});

export interface Settings {
  databaseUrl: string;
  /** Run the collector inside the dashboard process, against this kubeconfig. */
  collectKubeconfig?: string;
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
  };
}
