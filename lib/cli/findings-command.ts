// envoy-lens findings: runs the analysis over the stored records and cluster history, stores the findings (what the
// dashboard lists) and prints them, like a linter: `error [EL0001] (Service default/backend-service) …`.
import { resourceName } from '../analysis/finding.ts';
import { refreshFindings, type AnalysisOptions, type AnalysisRun, type ReportedFinding } from '../analysis/run-analysis.ts';
import { ruleUrl } from '../analysis/rules.ts';
import { openAnalysisStore } from '../store/analysis-store.ts';

export interface FindingsOptions extends AnalysisOptions {
  json: boolean;
  /** Also print silenced findings. */
  all: boolean;
}

export async function runFindings(databaseUrl: string, o: FindingsOptions, out: (text: string) => void): Promise<AnalysisRun> {
  const store = await openAnalysisStore(databaseUrl);
  try {
    const run = await refreshFindings(store, o);
    const shown = o.all ? run.findings : run.findings.filter((f) => f.suppressedBy === null);
    if (o.json) {
      out(JSON.stringify({ fromMs: run.fromMs, toMs: run.toMs, analyzedAtMs: run.analyzedAtMs, findings: shown, notes: run.notes }, null, 2));
      return run;
    }
    out(`analysed ${new Date(run.fromMs).toISOString()} … ${new Date(run.toMs).toISOString()}`);
    for (const f of shown) out(`\n${findingText(f)}`);
    const count = (s: string) => shown.filter((f) => f.severity === s && f.suppressedBy === null).length;
    const silenced = run.findings.filter((f) => f.suppressedBy !== null).length;
    const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
    out(`\n${n(count('error'), 'error')}, ${n(count('warning'), 'warning')}, ${count('info')} info${silenced ? `, ${silenced} silenced${o.all ? '' : ' (--all shows them)'}` : ''}`);
    for (const n of run.notes) out(`note: ${n}`);
    return run;
  } finally {
    store.close();
  }
}

const when = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** One finding as text: `severity [CODE] (Kind ns/name location) title`, then the message, fix, time and rule page. */
export function findingText(f: ReportedFinding): string {
  const loc = f.location?.configMap
    ? ` ${f.location.configMap.key}${f.location.line ? `:${f.location.line}` : ''}`
    : f.location?.file ? ` ${f.location.file}${f.location.line ? `:${f.location.line}` : ''}` : '';
  const lines = [`${f.severity} [${f.code}] (${f.resource.kind} ${resourceName(f.resource)}${loc}) ${f.title}`, `  ${f.message}`];
  if (f.fix) lines.push(`  fix: ${f.fix.summary}`, ...(f.fix.files ?? []).map((file) => `    ${file.name}: ${file.description.split('\n')[0]}`));
  if (f.firstSeenMs !== null) lines.push(`  seen ${when(f.firstSeenMs)} … ${when(f.lastSeenMs)}`);
  if (f.suppressedBy) lines.push(`  silenced: ${f.suppressedBy}`);
  lines.push(`  about this rule: ${ruleUrl(f.code)}`);
  return lines.join('\n');
}
