// Finds the Envoy bootstrap in what the user gave: an envoy.yaml (YAML or JSON), a Kubernetes ConfigMap holding one,
// or a manifest with several documents (or a `kind: List`) among which exactly one is such a ConfigMap or bootstrap.
import { ConfigNode } from './config-node.ts';
import { EnvoyConfigError } from './config-error.ts';
import type { ConfigOrigin } from './types.ts';
import { parseYamlDocuments, type LineMap } from './yaml-source.ts';

export interface Bootstrap {
  root: ConfigNode;
  origin: ConfigOrigin;
}

const bootstrapKey = /\.(ya?ml|json)$/;

export function locateBootstrap(text: string, fileName: string): Bootstrap {
  const docs = parseYamlDocuments(text, fileName, { kind: 'direct' });
  const roots = docs.map((d) => ConfigNode.root(d));
  if (roots.length === 0) {
    throw new EnvoyConfigError('the file is empty; expected an Envoy bootstrap (envoy.yaml) or a ConfigMap holding one', { fileName });
  }
  if (roots.length === 1 && !isList(roots[0]!)) return fromDocument(roots[0]!);

  const objects = roots.flatMap((r) => (isList(r) ? r.field('items').items() : [r]));
  const candidates = objects.filter((o) => o.isMap && (kindOf(o) === 'ConfigMap' ? dataKeys(o).length > 0 : o.has('static_resources')));
  if (candidates.length === 1) return fromDocument(candidates[0]!);
  if (candidates.length === 0) {
    throw new EnvoyConfigError(
      `none of its ${objects.length} objects is an Envoy bootstrap (with static_resources) or a ConfigMap with an envoy.yaml`,
      { fileName },
    );
  }
  const names = candidates.map((c) => `${kindOf(c) === 'ConfigMap' ? `ConfigMap ${nameOf(c) ?? '(no name)'}` : 'a bootstrap'} at line ${c.line}`);
  throw new EnvoyConfigError(`holds ${candidates.length} Envoy configs (${names.join(', ')}); give a file with just the one to read`, { fileName });
}

function isList(node: ConfigNode): boolean {
  return node.isMap && kindOf(node) === 'List' && node.field('items').isList;
}

function kindOf(node: ConfigNode): string | undefined {
  const kind = node.field('kind');
  return kind.exists && !kind.isMap && !kind.isList ? kind.text() : undefined;
}

function nameOf(node: ConfigNode): string | undefined {
  const name = node.field('metadata').isMap ? node.field('metadata').field('name') : undefined;
  return name && name.exists && !name.isMap && !name.isList ? name.text() : undefined;
}

function dataKeys(configMap: ConfigNode): string[] {
  const data = configMap.field('data');
  return data.isMap ? data.keys().filter((k) => bootstrapKey.test(k)) : [];
}

function fromDocument(root: ConfigNode): Bootstrap {
  root.mapping('an Envoy bootstrap or a Kubernetes ConfigMap');
  const kind = kindOf(root);
  if (kind === 'ConfigMap') return fromConfigMap(root);
  if (kind !== undefined && root.has('apiVersion')) {
    root.fail(`this is a Kubernetes ${kind}; expected a ConfigMap holding envoy.yaml, or envoy.yaml itself`);
  }
  return { root, origin: { kind: 'bootstrap' } };
}

function fromConfigMap(configMap: ConfigNode): Bootstrap {
  const data = configMap.field('data');
  if (!data.exists) data.failMissing('the ConfigMap should hold envoy.yaml under data');
  const keys = data.mapping('the ConfigMap data').keys();
  let key: string;
  if (keys.includes('envoy.yaml')) {
    key = 'envoy.yaml';
  } else {
    const candidates = keys.filter((k) => bootstrapKey.test(k));
    if (candidates.length !== 1) {
      const found =
        candidates.length > 0 ? `it has ${candidates.join(', ')}`
        : keys.length > 0 ? `its keys are ${keys.map((k) => JSON.stringify(k)).join(', ')}`
        : 'it is empty';
      data.fail(`no envoy.yaml key, and ${found}; expected envoy.yaml or exactly one key ending in .yaml, .yml or .json`);
    }
    key = candidates[0]!;
  }

  const value = data.field(key);
  if (value.isMap || value.isList) value.fail(`expected the envoy.yaml text (a string, usually a "${key}: |" block), found ${value.describe()}`);
  const text = value.text('the ConfigMap value should be the envoy.yaml text');
  const name = nameOf(configMap);
  const style = value.scalarType();
  const lineMap: LineMap =
    style === 'BLOCK_LITERAL'
      ? { kind: 'block', headerLine: value.line }
      : { kind: 'embedded', line: value.line, label: `data[${JSON.stringify(key)}]` };

  const inner = parseYamlDocuments(text, configMap.source.fileName, lineMap);
  if (inner.length !== 1) {
    value.fail(inner.length === 0 ? 'the value is empty; expected the envoy.yaml text' : `the value holds ${inner.length} YAML documents; expected one bootstrap`);
  }
  const root = ConfigNode.root(inner[0]!);
  root.mapping('an Envoy bootstrap');
  const origin: ConfigOrigin = { kind: 'configmap', key, lines: lineMap.kind === 'block' ? 'exact' : 'approximate' };
  if (name !== undefined) origin.name = name;
  return { root, origin };
}
