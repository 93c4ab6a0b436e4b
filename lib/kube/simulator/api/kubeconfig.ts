// A kubeconfig pointing at the simulator, so kubectl and client-node's loadFromFile work unchanged.
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export const SIM_CONTEXT = 'envoy-lens-sim';

export interface KubeconfigOptions {
  /** http://127.0.0.1:PORT */
  server: string;
  /** Any bearer token is accepted by the simulator; one is set so clients send an Authorization header. */
  token?: string;
  namespace?: string;
}

export function kubeconfigYaml(o: KubeconfigOptions): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses an http: server unless TLS verification is off (there is no TLS to verify); kubectl accepts both.
    clusters: [{ name: SIM_CONTEXT, cluster: { server: o.server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: `${SIM_CONTEXT}-user`, user: { token: o.token ?? 'envoy-lens-sim-token' } }],
    contexts: [{ name: SIM_CONTEXT, context: { cluster: SIM_CONTEXT, user: `${SIM_CONTEXT}-user`, namespace: o.namespace ?? 'default' } }],
    'current-context': SIM_CONTEXT,
    preferences: {},
  });
}

export async function writeKubeconfig(path: string, o: KubeconfigOptions): Promise<string> {
  await writeFile(path, kubeconfigYaml(o), { mode: 0o600 });
  return path;
}
