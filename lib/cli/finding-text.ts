// A finding as text, the way linters print: `severity [CODE] (where) headline`, then the fix with its files (and the
// envoy.yaml change, line by line), when it was seen, whether it is silenced, and the rule's page. Used by
// `envoy-lens check` and `envoy-lens findings`.
import { resourceName, type Finding, type FindingLocation } from '../analysis/finding.ts';
import { RULES, ruleUrl } from '../analysis/rules.ts';
import { printable } from './terminal-text.ts';

/** `ConfigMap ns/name envoy.yaml:46`, `path:12`, or `ConfigMap ns/name in path:12` for a ConfigMap file. */
export function describeLocation(loc: FindingLocation | undefined): string {
  if (!loc) return '';
  const line = loc.line === undefined ? '' : `:${loc.line}`;
  const cm = loc.configMap ? `ConfigMap ${loc.configMap.namespace}/${loc.configMap.name}` : '';
  if (loc.file) return cm ? `${cm} in ${loc.file}${line}` : `${loc.file}${line}`;
  return cm ? `${cm} ${loc.configMap!.key}${line}` : '';
}

const when = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace('.000Z', 'Z'));

export function findingText(f: Finding & { suppressedBy?: string | null }): string {
  const where = describeLocation(f.location) || `${f.resource.kind} ${resourceName(f.resource)}`;
  // A title that is only the rule's name reads as one line with the message; a specific title stands alone.
  const short = f.title === RULES[f.code].name;
  const lines = [`${f.severity} [${f.code}] (${where}) ${f.title}${short ? `: ${f.message}` : ''}`];
  if (!short) lines.push(`  ${f.message}`);
  if (f.fix) {
    lines.push(`  fix: ${f.fix.summary}`);
    for (const file of f.fix.files ?? []) {
      const [first, ...rest] = file.description.split('\n');
      lines.push(`    ${file.name}: ${first}`, ...rest.map((l) => `    ${l}`));
    }
  }
  if (f.firstSeenMs !== null) lines.push(`  seen ${when(f.firstSeenMs)} … ${when(f.lastSeenMs)}`);
  if (f.suppressedBy) lines.push(`  silenced: ${f.suppressedBy}`);
  lines.push(`  about this rule: ${ruleUrl(f.code)}`);
  return lines.map(printable).join('\n');
}
