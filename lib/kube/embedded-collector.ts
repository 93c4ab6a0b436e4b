// The collector inside another process (the dashboard server of the demo): started once, stopped on SIGTERM/SIGINT
// after committing what it read. Its failures are logged, never thrown into the host.
import { openCollectorStore } from '../store/collector-store.ts';
import { Collector } from './collector.ts';
import { KubeClient } from './kube-client.ts';
import type { RetentionPolicy } from '../store/retention-store.ts';

const running = Symbol.for('envoy-lens.embedded-collector');
type Host = typeof globalThis & { [running]?: Promise<Collector | undefined> };

export interface EmbeddedCollectorOptions {
  databaseUrl: string;
  kubeconfig?: string;
  context?: string;
  /** Undefined: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  containers?: string[];
  /** What to prune, at start and every ~10 minutes; nothing when undefined. */
  retention?: RetentionPolicy;
  log?: (line: string) => void;
}

export function startEmbeddedCollector(o: EmbeddedCollectorOptions): Promise<Collector | undefined> {
  const host = globalThis as Host;
  const log = o.log ?? ((line: string) => console.log(line));
  host[running] ??= (async () => {
    try {
      // The host ran the migrations (npm run demo does): the bundled server cannot load the migration engine.
      const store = await openCollectorStore(o.databaseUrl, { migrate: false });
      const client = KubeClient.load({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}) });
      const collector = await Collector.start({
        client, store, log,
        ...(o.namespace ? { namespace: o.namespace } : {}),
        ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}),
        ...(o.containers?.length ? { containers: o.containers } : {}),
        ...(o.retention ? { retention: { databaseUrl: o.databaseUrl, policy: o.retention } } : {}),
      });
      log(`envoy-lens: collecting live from ${client.server} (${o.namespace ? `namespace ${o.namespace}` : 'all namespaces'})`);
      const stop = () => {
        void collector.stop().finally(() => store.close());
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      return collector;
    } catch (err) {
      log(`envoy-lens: the collector could not start: ${err instanceof Error ? (process.env.ENVOY_LENS_DEBUG ? err.stack : err.message) : String(err)}`);
      return undefined;
    }
  })();
  return host[running];
}
