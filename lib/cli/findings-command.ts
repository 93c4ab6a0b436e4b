// envoy-lens findings: runs the analysis over the stored records and cluster history, stores the findings (what the
// dashboard lists) and prints them, like a linter: `error [EL0001] (Service default/backend-service) …`.
import { refreshFindings, type AnalysisOptions, type AnalysisRun } from '../analysis/run-analysis.ts';
import { findingText } from './finding-text.ts';
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
