// Next.js proxy (Next 16's name for middleware; it runs in the Node.js runtime before every route, asset included):
// the dashboard's auth check, lib/web/auth.ts, configured from the environment `envoy-lens serve` passes on.
import { loadSettings } from './lib/settings';
import { authorize, type AuthConfig } from './lib/web/auth';

let config: AuthConfig | undefined;

export function proxy(request: Request): Response | undefined {
  // The environment is the server process's and does not change: read it once. A bad value fails every request
  // (closed), as `envoy-lens serve` refuses it before starting.
  config ??= (({ auth, metricsPublic }) => ({ auth, metricsPublic }))(loadSettings());
  return authorize(config, request);
}
