// A position in a parsed Envoy document: the YAML node (if any), its path from the root, and typed reads that turn
// every surprise (a string where a list belongs, a missing field) into an EnvoyConfigError naming path and line.
import { isMap, isScalar, isSeq } from 'yaml';
import type { ParsedNode } from 'yaml';
import type { EnvoyConfigError } from './config-error.ts';
import type { FileLine, YamlDocument } from './yaml-source.ts';

/** json_format objects nest, but not like this; deeper is a mistake or an attack. */
const MAX_PLAIN_DEPTH = 64;

export class ConfigNode {
  private constructor(
    readonly source: YamlDocument,
    /** The value, aliases resolved; null when the field is absent or written as YAML null. */
    private readonly node: ParsedNode | null,
    readonly path: string,
    /** For an absent field: the node that lacks it and the field's name. */
    private readonly absent?: { parent: ConfigNode; key: string },
  ) {}

  static root(source: YamlDocument): ConfigNode {
    return new ConfigNode(source, source.root, '');
  }

  get exists(): boolean {
    return this.node !== null && !(isScalar(this.node) && this.node.value === null);
  }

  get isMap(): boolean {
    return isMap(this.node);
  }

  get isList(): boolean {
    return isSeq(this.node);
  }

  get where(): FileLine {
    if (this.node) return this.source.lineOf(this.node);
    return this.absent ? this.absent.parent.where : this.source.lineOf(null);
  }

  get line(): number {
    return this.where.line;
  }

  /** What the value is, for messages: "a list", "the string \"abc\"". */
  describe(): string {
    const n = this.node;
    if (!this.exists) return 'nothing';
    if (isMap(n)) return 'a mapping';
    if (isSeq(n)) return 'a list';
    if (isScalar(n)) {
      const v = n.value;
      if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
      if (typeof v === 'number' || typeof v === 'bigint') return `the number ${String(v)}`;
      if (typeof v === 'boolean') return `${v}`;
    }
    return 'an unexpected YAML value';
  }

  error(problem: string): EnvoyConfigError {
    return this.source.error(problem, this.where, this.path);
  }

  fail(problem: string): never {
    throw this.error(problem);
  }

  /** `static_resources.clusters[0]: missing "name" (why)`, placed at the node that lacks the field. */
  failMissing(why?: string): never {
    const suffix = why ? ` (${why})` : '';
    if (this.absent && !this.exists) throw this.absent.parent.error(`missing "${this.absent.key}"${suffix}`);
    return this.fail(`missing value${suffix}`);
  }

  field(key: string): ConfigNode {
    const path = joinPath(this.path, key);
    if (!this.exists) return new ConfigNode(this.source, null, path, { parent: this, key });
    if (!isMap(this.node)) this.fail(`expected a mapping with "${key}", found ${this.describe()}`);
    const value = this.source.entries(this.node, this.path).get(key) ?? null;
    return new ConfigNode(this.source, value, path, { parent: this, key });
  }

  /** This node, checked to be a mapping (`what` names it in the message). */
  mapping(what: string): this {
    if (!isMap(this.node)) this.fail(`expected ${what} (a mapping), found ${this.describe()}`);
    return this;
  }

  has(key: string): boolean {
    return this.field(key).exists;
  }

  /** Field names, in document order (merged ones after). */
  keys(): string[] {
    if (!this.exists) return [];
    if (!isMap(this.node)) this.fail(`expected a mapping, found ${this.describe()}`);
    return [...this.source.entries(this.node, this.path).keys()];
  }

  /** A list's items; an absent list is empty, anything else but a list is an error. */
  items(): ConfigNode[] {
    if (!this.exists) return [];
    if (!isSeq(this.node)) this.fail(`expected a list, found ${this.describe()}`);
    const seq = this.node;
    this.source.spend(seq.items.length, this.where, this.path);
    return seq.items.map((item, i) => new ConfigNode(this.source, this.source.resolve(item), `${this.path}[${i}]`));
  }

  /** A scalar as text. Numbers and booleans count (a name written `8080` is still a name), as written. */
  text(whyRequired?: string): string {
    const value = this.optionalText();
    return value === undefined ? this.failMissing(whyRequired) : value;
  }

  optionalText(): string | undefined {
    if (!this.exists) return undefined;
    const n = this.node;
    if (!isScalar(n)) return this.fail(`expected a string, found ${this.describe()}`);
    if (typeof n.value === 'string') return n.value;
    if (typeof n.value === 'number' || typeof n.value === 'bigint' || typeof n.value === 'boolean') {
      return n.source ?? String(n.value);
    }
    return this.fail(`expected a string, found ${this.describe()}`);
  }

  /** How a scalar was written (BLOCK_LITERAL, QUOTE_DOUBLE, PLAIN…); undefined for anything else. */
  scalarType(): string | undefined {
    return isScalar(this.node) ? this.node.type : undefined;
  }

  /** An integer in [min, max]; protobuf JSON also accepts one written as a string. */
  optionalInteger(min: number, max: number): number | undefined {
    if (!this.exists) return undefined;
    const n = this.node;
    const value = isScalar(n) ? n.value : undefined;
    const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      this.fail(`expected a whole number from ${min} to ${max}, found ${this.describe()}`);
    }
    return number;
  }

  /** A bool, absent = false; protobuf JSON also accepts "true"/"false". */
  flag(): boolean {
    if (!this.exists) return false;
    const value = isScalar(this.node) ? this.node.value : undefined;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    return this.fail(`expected true or false, found ${this.describe()}`);
  }

  /** The value as plain JSON-like data (for json_format), bounded in depth and size. */
  plain(): unknown {
    return this.toPlain(this.node, 0);
  }

  private toPlain(node: ParsedNode | null, depth: number): unknown {
    if (depth > MAX_PLAIN_DEPTH) this.fail(`nested more than ${MAX_PLAIN_DEPTH} levels deep`);
    if (node === null) return null;
    if (isScalar(node)) return typeof node.value === 'bigint' ? Number(node.value) : (node.value ?? null);
    if (isSeq(node)) {
      this.source.spend(node.items.length, this.where, this.path);
      return node.items.map((item) => this.toPlain(this.source.resolve(item), depth + 1));
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const entries = this.source.entries(node, this.path);
      this.source.spend(entries.size, this.where, this.path); // again for each alias of the same map
      for (const [key, value] of entries) {
        // defineProperty, not assignment: a key "__proto__" must stay a plain key.
        Object.defineProperty(out, key, { value: this.toPlain(value, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return this.fail('expected plain data, found an unexpected YAML value');
  }
}

const plainKey = /^[A-Za-z_@][A-Za-z0-9_@-]*$/;

export function joinPath(path: string, key: string): string {
  if (!plainKey.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}
