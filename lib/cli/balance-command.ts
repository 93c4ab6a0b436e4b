// envoy-lens balance: how each Envoy cluster spread its requests over the ready pods of its Service, against what its
// lb policy expects, for the analysis window.
import { analyse, type AnalysisOptions } from '../analysis/run-analysis.ts';
import type { SourceBalance } from '../analysis/balance.ts';
import { openAnalysisStore } from '../store/analysis-store.ts';
import { printable } from './terminal-text.ts';

export async function runBalance(databaseUrl: string, o: AnalysisOptions & { json: boolean }, write: (text: string) => void): Promise<void> {
  const out = (text: string) => write(o.json ? text : text.split('\n').map(printable).join('\n'));
  const store = await openAnalysisStore(databaseUrl);
  try {
    const { balance } = await analyse(store, o);
    if (o.json) {
      out(JSON.stringify(balance, null, 2));
      return;
    }
    out(`balance ${new Date(balance.fromMs).toISOString()} … ${new Date(balance.toMs).toISOString()}`);
    if (balance.clusters.length === 0) out('no records in this window');
    for (const c of balance.clusters) {
      out(`\ncluster ${c.label}: Service ${c.service ? `${c.service.namespace}/${c.service.name}${c.service.headless ? " (headless)" : ""}` : `unknown (${c.serviceReason ?? 'no ready endpoints matched'})`}`);
      for (const s of [c.overall, ...(c.sources.length > 1 ? c.sources : [])]) out(sourceText(s));
    }
  } finally {
    store.close();
  }
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

function sourceText(s: SourceBalance): string {
  const w = s.window;
  const head = `  ${s.key}: ${w.records} records, policy ${s.policy ?? 'mixed'}${s.policyKnown ? '' : ' (assumed)'}`;
  const lines = [head];
  for (const p of w.pods) lines.push(`    ${p.key.padEnd(48)} ${String(p.requests).padStart(8)}  ${pct(p.share).padStart(6)}  expected ${pct(p.expectedShare).padStart(6)}`);
  const im = w.imbalance;
  lines.push(im.pValue !== null
    ? `    max/min ${im.maxMinRatio === null ? (im.zeroPod ? 'infinite (a ready pod got nothing)' : '-') : im.maxMinRatio.toFixed(2)}, chi-square ${im.chiSquare!.toFixed(2)} (df ${im.df}), p = ${im.pValue.toPrecision(3)}`
    : `    ${im.reason ?? s.expectationReason ?? 'no test'}`);
  if (w.serviceUpstreams.count) lines.push(`    ${w.serviceUpstreams.count} to a Service ClusterIP: ${w.serviceUpstreams.note ?? ''}`);
  if (w.outsideEndpoints.count) lines.push(`    ${w.outsideEndpoints.count} to pods that were not ready endpoints`);
  return lines.join('\n');
}
