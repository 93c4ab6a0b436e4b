// Parses YAML (JSON is YAML too) keeping the syntax tree, so every value can say which line of the *file* it came
// from, and puts a ceiling on what a hostile file can make the reader do.
//
// Line numbers. A bootstrap read directly has its own lines. One embedded in a ConfigMap is a second text, parsed on
// its own: when the ConfigMap holds it as a literal block (`envoy.yaml: |`), YAML keeps its lines one to one, so line N
// of the inner text is line N of the block, i.e. the block header's line + N in the file. Any other scalar style
// (quoted with `\n` escapes, as `kubectl -o json` writes it, or folded) joins or splits lines, so only the line where
// the value starts is known; messages then add the line inside the value.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Alias, Document, Node, ParsedNode, YAMLMap } from 'yaml';
import { EnvoyConfigError, type ConfigErrorPlace } from './config-error.ts';

/** Real bootstraps are kilobytes, rarely a megabyte; the yaml library parses about 1 MB a second, so past this the
 * file is not a bootstrap and reading it would only keep the user waiting. */
export const MAX_CONFIG_CHARS = 8 * 1024 * 1024;

/** The yaml library's guard against alias bombs (it weighs each alias use by the aliases nested inside). */
const MAX_ALIAS_COUNT = 1000;

/** How the lines of a parsed text relate to the lines of the file. */
export type LineMap =
  | { kind: 'direct' }
  | { kind: 'block'; headerLine: number }
  | { kind: 'embedded'; line: number; label: string };

export interface FileLine {
  line: number;
  /** Set when `line` is only where the embedded text starts. */
  note?: string;
}

/** One parsed YAML document and what is needed to place its nodes in the file. */
export class YamlDocument {
  private aliasTargets: Map<Alias, ParsedNode | undefined> | undefined;
  private readonly mapIndexes = new WeakMap<YAMLMap, Map<string, ParsedNode | null>>();
  /** Collection items and map entries the reader may still visit. Without aliases a file cannot need more than its
   * length; with them, a few lines can multiply into millions of listeners, which the yaml library's own alias limit
   * alone does not see (it does not weigh the size of what an alias points to). */
  private budget: number;

  constructor(
    readonly fileName: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly lineMap: LineMap,
    textLength: number,
  ) {
    this.budget = 100_000 + 2 * textLength;
  }

  get root(): ParsedNode | null {
    return this.resolve(this.doc.contents);
  }

  /** The node an alias stands for; anything else unchanged. */
  resolve(node: ParsedNode | Node | null | undefined): ParsedNode | null {
    if (node === null || node === undefined) return null;
    if (!isAlias(node)) return node as ParsedNode;
    this.aliasTargets ??= this.findAliasTargets();
    return this.aliasTargets.get(node) ?? null;
  }

  lineAt(offset: number): FileLine {
    const inner = this.lines.linePos(offset).line || 1;
    switch (this.lineMap.kind) {
      case 'direct':
        return { line: inner };
      case 'block':
        return { line: this.lineMap.headerLine + inner };
      case 'embedded':
        return { line: this.lineMap.line, note: `line ${inner} of ${this.lineMap.label}` };
    }
  }

  lineOf(node: ParsedNode | null): FileLine {
    return this.lineAt(node?.range?.[0] ?? 0);
  }

  error(problem: string, at: FileLine | undefined, path?: string): EnvoyConfigError {
    const place: ConfigErrorPlace = { fileName: this.fileName };
    if (at) {
      place.line = at.line;
      if (at.note) place.lineNote = at.note;
    }
    if (path) place.path = path;
    return new EnvoyConfigError(problem, place);
  }

  spend(items: number, at: FileLine, path?: string): void {
    this.budget -= items;
    if (this.budget < 0) {
      throw this.error('the document expands to far more entries than its size allows (YAML aliases repeating large parts?)', at, path);
    }
  }

  /** A map's entries by key, `<<` merge keys applied (own keys win, then earlier merged maps). */
  entries(map: YAMLMap, path?: string, building = new Set<YAMLMap>()): Map<string, ParsedNode | null> {
    const known = this.mapIndexes.get(map);
    if (known) return known;
    this.spend(map.items.length, this.lineOf(map as ParsedNode), path);
    const index = new Map<string, ParsedNode | null>();
    const merged: YAMLMap[] = [];
    building.add(map);
    for (const pair of map.items) {
      const key = this.resolve(pair.key as Node | null);
      if (!isScalar(key)) continue; // a mapping or list as key cannot name a field
      if (typeof key.value === 'symbol') {
        const value = this.resolve(pair.value as Node | null);
        const sources = isSeq(value) ? value.items.map((i) => this.resolve(i as Node)) : [value];
        for (const s of sources) if (isMap(s) && !building.has(s)) merged.push(s);
        continue;
      }
      const name = key.value === null ? '' : String(key.value);
      if (!index.has(name)) index.set(name, this.resolve(pair.value as Node | null));
    }
    for (const source of merged) {
      for (const [name, value] of this.entries(source, path, building)) if (!index.has(name)) index.set(name, value);
    }
    building.delete(map);
    this.mapIndexes.set(map, index);
    return index;
  }

  private findAliasTargets(): Map<Alias, ParsedNode | undefined> {
    // One pass in document order: an alias means the latest node with that anchor before it.
    const latest = new Map<string, ParsedNode>();
    const targets = new Map<Alias, ParsedNode | undefined>();
    visit(this.doc, {
      Node: (_key, node) => {
        if (isAlias(node)) targets.set(node, latest.get(node.source));
        else if (node.anchor) latest.set(node.anchor, node as ParsedNode);
      },
    });
    return targets;
  }
}

/** Every non-empty document in `text`, or an EnvoyConfigError for the first syntax error. */
export function parseYamlDocuments(text: string, fileName: string, lineMap: LineMap): YamlDocument[] {
  if (text.length > MAX_CONFIG_CHARS) {
    throw new EnvoyConfigError(`${text.length} characters is far larger than an Envoy bootstrap (limit ${MAX_CONFIG_CHARS})`, { fileName });
  }
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  if (!Array.isArray(parsed)) return []; // an empty stream: nothing but comments or whitespace
  const docs = parsed.map((doc) => new YamlDocument(fileName, doc, lines, lineMap, text.length));
  for (const doc of docs) {
    const first = doc.doc.errors[0];
    if (first) throw doc.error(`not valid YAML: ${first.message.split('\n')[0]}`, doc.lineAt(first.pos[0]));
    try {
      doc.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      throw doc.error(`not usable YAML: ${(err as Error).message}`, doc.lineAt(doc.doc.range[0]));
    }
  }
  return docs.filter((d) => d.root !== null);
}
