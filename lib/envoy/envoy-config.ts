// Reads an Envoy bootstrap (envoy.yaml, YAML or JSON, v3 API, v2-era forms where they are still met) or a Kubernetes
// ConfigMap holding one: its listeners with their access loggers and formats, and its clusters with their endpoints.
// Every error is an EnvoyConfigError naming the file line and the path in the bootstrap; see config/yaml-source.ts
// for how lines inside a ConfigMap value map to lines of the file.
import { readCluster } from './config/clusters.ts';
import { EnvoyConfigError } from './config/config-error.ts';
import type { ConfigNode } from './config/config-node.ts';
import { readListener } from './config/listeners.ts';
import { locateBootstrap } from './config/locate-bootstrap.ts';
import { FormatChecker } from './config/log-format.ts';
import { pickAccessLogger as pick } from './config/pick-logger.ts';
import type { ClusterConfig, EnvoyConfig, ListenerConfig, TextAccessLogger } from './config/types.ts';

export { EnvoyConfigError } from './config/config-error.ts';
export type {
  AccessLoggerConfig,
  AccessLogScope,
  ClusterConfig,
  ClusterDiscoveryType,
  ConfigOrigin,
  EnvoyConfig,
  LbPolicy,
  ListenerConfig,
  Located,
  LogOutput,
  OtherAccessLogger,
  SocketAddress,
  TextAccessLogger,
} from './config/types.ts';

/** Parses `text`, the content of the file `fileName` (used in messages only). */
export function readEnvoyConfigFile(text: string, fileName: string): EnvoyConfig {
  return guarded(fileName, () => {
    if (typeof text !== 'string') throw new EnvoyConfigError('expected the file content as text', { fileName });
    const { root, origin } = locateBootstrap(text, fileName);
    const resources = root.field('static_resources');
    if (resources.exists) resources.mapping('static_resources');
    const checker = new FormatChecker();
    const listeners = resources.field('listeners').items().map((l, i) => readListener(l, i, checker));
    const clusters = resources.field('clusters').items().map(readCluster);
    unique(resources.field('listeners'), listeners, 'listener');
    unique(resources.field('clusters'), clusters, 'cluster');
    return { fileName, origin, listeners, clusters };
  });
}

/**
 * The text access logger whose lines envoy-lens reads: of the listener named (else of all listeners), one writing
 * to stdout, else stderr, else a file. Throws when there is none, or when equally good ones disagree on the format.
 */
export function pickAccessLogger(config: EnvoyConfig, listenerName?: string): TextAccessLogger {
  return guarded(config?.fileName ?? 'envoy config', () => pick(config, listenerName));
}

function unique(list: ConfigNode, items: (ListenerConfig | ClusterConfig)[], what: string): void {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    if (seen.has(item.name)) list.items()[i]!.fail(`a second ${what} named ${JSON.stringify(item.name)}; Envoy refuses duplicate names`);
    seen.add(item.name);
  }
}

/** Turns anything unexpected (a bug, a stack overflow on absurd input) into an EnvoyConfigError. */
function guarded<T>(fileName: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof EnvoyConfigError) throw err;
    const reason = err instanceof RangeError ? 'the document is nested too deeply' : `unexpected failure (${err instanceof Error ? err.message : String(err)})`;
    throw new EnvoyConfigError(`cannot read this config: ${reason}`, { fileName: String(fileName) });
  }
}
