// Envoy's extension entries (`{name, typed_config}`, or the v2 `{name, config}`): which implementation they ask for
// and the node holding its settings.
import type { ConfigNode } from './config-node.ts';

export interface Extension {
  name?: string;
  /** The message type from `@type`, without its URL prefix; undefined for a v2 `config:` or a bare name. */
  type?: string;
  /** Where `type` was read, for messages about it. */
  typeNode?: ConfigNode;
  /** The settings (may be an absent node: every field then reads as unset). */
  config: ConfigNode;
}

// A TypedStruct carries a config as untyped data plus the type it stands for; Envoy unwraps it.
const typedStructs = new Set(['udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct']);

export function readExtension(entry: ConfigNode): Extension {
  const name = entry.field('name').optionalText();
  const base: { name?: string } = name === undefined ? {} : { name };
  if (entry.has('typed_config') && entry.has('config')) {
    entry.fail('has both typed_config and config; Envoy takes one (config is the v2 form)');
  }
  if (!entry.has('typed_config')) return { ...base, config: entry.field('config') };

  const typed = entry.field('typed_config').mapping('typed_config');
  const typeNode = typed.field('@type');
  const type = messageName(typeNode.text('typed_config says what it configures with "@type"'));
  if (!typedStructs.has(type)) return { ...base, type, typeNode, config: typed };
  const urlNode = typed.field('type_url');
  return { ...base, type: messageName(urlNode.text('a TypedStruct names its type in type_url')), typeNode: urlNode, config: typed.field('value') };
}

/** `type.googleapis.com/envoy.x.v3.Y` → `envoy.x.v3.Y` (any URL prefix is allowed). */
function messageName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

/**
 * Whether an extension is the one described: by `@type` when there is one, else by its name (v2 configs).
 * A name promising this extension with an `@type` for something else is a mistake Envoy would refuse.
 */
export function isExtension(ext: Extension, kind: { what: string; types: readonly string[]; names: readonly string[] }): boolean {
  const named = ext.name !== undefined && kind.names.includes(ext.name);
  if (ext.type === undefined) return named;
  if (kind.types.includes(ext.type)) return true;
  if (named) {
    (ext.typeNode ?? ext.config).fail(`unknown @type ${ext.type} for ${kind.what} ${ext.name}; expected ${kind.types[0]}`);
  }
  return false;
}
