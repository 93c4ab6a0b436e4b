// The one error the config reader throws: a message a user can act on, naming the file, the line and the place in
// the Envoy bootstrap (`static_resources.clusters[0]`), like a compiler does.

export interface ConfigErrorPlace {
  fileName: string;
  /** 1-based line in the file that was read (for a ConfigMap, in the ConfigMap file). */
  line?: number;
  /** Extra words after the line, e.g. the line inside a ConfigMap value whose lines cannot be mapped exactly. */
  lineNote?: string;
  /** Where in the document, e.g. `static_resources.listeners[0].filter_chains[0]`. */
  path?: string;
}

export class EnvoyConfigError extends Error {
  readonly fileName: string;
  readonly line: number | undefined;
  readonly path: string | undefined;

  constructor(
    /** What is wrong and what was expected, without the place. */
    readonly problem: string,
    place: ConfigErrorPlace,
  ) {
    super(describePlace(place) + problem);
    this.name = 'EnvoyConfigError';
    this.fileName = place.fileName;
    this.line = place.line;
    this.path = place.path;
  }
}

function describePlace(place: ConfigErrorPlace): string {
  let where = place.fileName;
  if (place.line !== undefined) where += `:${place.line}`;
  if (place.lineNote) where += ` (${place.lineNote})`;
  where += ': ';
  if (place.path) where += `${place.path}: `;
  return where;
}
