// Findings: what the last analysis found (ClusterIP leaks, config checks, imbalance, failures), errors first, each
// with its fix and a link to its rule; silenced findings are listed apart with the reason. React escapes every value.
import { loadSettings } from '../../lib/settings';
import { prismaFor } from '../../lib/store/prisma-client';
import { listFindings, type FindingView } from '../../lib/store/queries/findings';
import { ruleUrl, isRuleCode } from '../../lib/analysis/rules';

export const dynamic = 'force-dynamic';

const when = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('.000Z', 'Z'));

export default async function FindingsPage() {
  let findings: FindingView[];
  try {
    findings = await listFindings(prismaFor(loadSettings().databaseUrl));
  } catch (err) {
    if ((err as { code?: string }).code === 'P2021') findings = [];
    else throw err;
  }
  const shown = findings.filter((f) => f.suppressedBy === null);
  const silenced = findings.filter((f) => f.suppressedBy !== null);
  return (
    <>
      <h1>Findings</h1>
      <p className="summary">
        {shown.length === 0 ? 'Nothing found' : `${shown.length} finding${shown.length === 1 ? '' : 's'}`}
        {silenced.length > 0 && ` · ${silenced.length} silenced`}
        {findings[0] && ` · analysed ${when(findings[0].analyzedAtMs)}`} · <a href="/rules">rules</a>
      </p>
      {findings.length === 0 && (
        <div className="empty">
          <p>No findings stored. The collector refreshes them while it runs; <code>npx envoy-lens findings</code> runs the analysis once.</p>
        </div>
      )}
      {shown.map((f) => <FindingCard key={f.key} f={f} />)}
      {silenced.length > 0 && <h2>Silenced</h2>}
      {silenced.map((f) => <FindingCard key={f.key} f={f} />)}
    </>
  );
}

function FindingCard({ f }: { f: FindingView }) {
  return (
    <section className={`finding finding-${f.severity}`} data-code={f.code}>
      <h3>
        <span className={`severity ${f.severity}`}>{f.severity}</span>{' '}
        {isRuleCode(f.code) ? <a href={ruleUrl(f.code)}>{f.code}</a> : f.code} {f.title}
      </h3>
      <p className="mono">{f.resource}{f.location && ` · ${f.location}`}</p>
      <p>{f.message}</p>
      {f.firstSeenMs !== null && <p className="summary">seen {when(f.firstSeenMs)} … {when(f.lastSeenMs)}</p>}
      {f.suppressedBy && <p className="summary">Silenced: {f.suppressedBy}</p>}
      {f.fix && (
        <details>
          <summary>Fix: {f.fix.summary}</summary>
          {(f.fix.files ?? []).map((file) => (
            <div key={file.name}>
              <p className="mono">{file.name}: {file.description}</p>
              <pre>{file.text}</pre>
            </div>
          ))}
        </details>
      )}
    </section>
  );
}
