// A format as stored beside the lines it parsed: the text of a text format, the JSON of a json_format.
import type { FormatSpec } from './compile-format.ts';

export function formatText(spec: FormatSpec): string {
  return spec.type === 'text' ? spec.text : JSON.stringify(spec.json);
}
