// Where an Envoy container's bootstrap comes from, read off the pod spec as the kubelet would assemble the container's
// filesystem: the `-c`/`--config-path` argument (the envoyproxy/envoy image runs `envoy -c /etc/envoy/envoy.yaml` by
// default), the volume mounted over that path, and the ConfigMap key behind the volume (plain, `items`-mapped,
// `subPath`, or projected). `--config-yaml` carries the bootstrap inline.

export type EnvoyConfigSource =
  | { kind: 'configmap'; namespace: string; name: string; key: string; path: string }
  | { kind: 'inline'; text: string }
  | { kind: 'unresolved'; path?: string; reason: string };

export const DEFAULT_ENVOY_CONFIG_PATH = '/etc/envoy/envoy.yaml';

type Dict = Record<string, unknown>;
const asDict = (v: unknown): Dict => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Dict) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The value of a flag in an argument list: `-c X`, `--config-path X`, `--config-path=X`. */
function flagValue(args: string[], names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (n.startsWith('--') && a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

/** A ConfigMap volume source and the keys it maps to file names (all keys under their own names when no items). */
interface ConfigMapSource {
  name: string;
  items?: { key: string; path: string }[];
}

function configMapSources(volume: Dict): ConfigMapSource[] {
  const read = (cm: Dict): ConfigMapSource | undefined => {
    const name = str(cm.name);
    if (!name) return undefined;
    const items = asArray(cm.items).map(asDict).flatMap((i) => (str(i.key) && str(i.path) ? [{ key: str(i.key)!, path: str(i.path)! }] : []));
    return items.length ? { name, items } : { name };
  };
  if (volume.configMap) {
    const one = read(asDict(volume.configMap));
    return one ? [one] : [];
  }
  const sources = asArray(asDict(volume.projected).sources).map(asDict);
  return sources.flatMap((s) => (s.configMap ? [read(asDict(s.configMap))].filter((x): x is ConfigMapSource => !!x) : []));
}

/** The ConfigMap key a file name inside a volume comes from. */
function keyFor(source: ConfigMapSource, file: string): string | undefined {
  if (source.items) return source.items.find((i) => i.path === file)?.key;
  return file.includes('/') ? undefined : file;
}

/**
 * The bootstrap source of container `containerName` in `pod` (a Pod object as the API serves it). Never throws: what
 * cannot be resolved comes back as `unresolved` with the reason, for the caller to report.
 */
export function envoyConfigSource(pod: { metadata: { namespace?: string }; spec?: unknown }, containerName: string): EnvoyConfigSource {
  const spec = asDict(pod.spec);
  const container = asArray(spec.containers).map(asDict).find((c) => c.name === containerName);
  if (!container) return { kind: 'unresolved', reason: `the pod has no container ${containerName}` };
  const argv = [...asArray(container.command), ...asArray(container.args)].filter((a): a is string => typeof a === 'string');
  const inline = flagValue(argv, ['--config-yaml']);
  const path = flagValue(argv, ['-c', '--config-path']) ?? DEFAULT_ENVOY_CONFIG_PATH;
  if (inline !== undefined && !flagValue(argv, ['-c', '--config-path'])) return { kind: 'inline', text: inline };

  const mounts = asArray(container.volumeMounts).map(asDict);
  // The deepest mount that contains the path wins, as in the container's filesystem.
  const candidates = mounts
    .map((m) => ({ name: str(m.name), mountPath: (str(m.mountPath) ?? '').replace(/\/+$/, ''), subPath: str(m.subPath) }))
    .filter((m) => m.name && m.mountPath && (path === m.mountPath || path.startsWith(`${m.mountPath}/`)))
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
  const mount = candidates[0];
  if (!mount) return { kind: 'unresolved', path, reason: `no volume is mounted over ${path}` };
  const volume = asArray(spec.volumes).map(asDict).find((v) => v.name === mount.name);
  if (!volume) return { kind: 'unresolved', path, reason: `volume ${mount.name} is mounted but not defined in the pod` };
  const sources = configMapSources(volume);
  if (sources.length === 0) return { kind: 'unresolved', path, reason: `volume ${mount.name} over ${path} is not a ConfigMap` };

  // With subPath the mount is one file of the volume; otherwise the path below the mount names the file.
  const file = mount.subPath !== undefined ? (path === mount.mountPath ? mount.subPath : undefined) : path.slice(mount.mountPath.length + 1);
  if (!file) return { kind: 'unresolved', path, reason: `the subPath mount ${mount.mountPath} does not hold ${path}` };
  const namespace = pod.metadata.namespace ?? 'default';
  for (const source of sources) {
    const key = keyFor(source, file);
    if (key) return { kind: 'configmap', namespace, name: source.name, key, path };
  }
  return { kind: 'unresolved', path, reason: `ConfigMap ${sources.map((s) => s.name).join(', ')} mounted at ${mount.mountPath} has no key for ${file}` };
}
