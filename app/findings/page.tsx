// Findings: what the last analysis found (ClusterIP leaks, config checks, imbalance, failures), errors first, each
// with its evidence, its fix (copy button per file) and a link to its rule. Filters in the URL: `severity`, `code`,
// and `silenced=1` to list silenced findings too (apart, with the reason). React escapes every value.
import { z } from 'zod';
import { isRuleCode, RULE_CODES, ruleOf } from '../../lib/analysis/rules';
import { loadSettings } from '../../lib/settings';
import { prismaClientFor } from '../../lib/store/prisma-client';
import { findingsPage, type FindingCount, type FindingCounts, type FindingView } from '../../lib/store/queries/findings';
import { BadFilter } from '../filter-bar';
import { FindingCard } from './finding-card';
import styles from './findings.module.css';

export const dynamic = 'force-dynamic';

const querySchema = z.object({
  severity: z.enum(['error', 'warning', 'info'], { error: 'expected error, warning or info' }).optional(),
  code: z.string().trim().toUpperCase().refine(isRuleCode, 'expected a rule code like EL0001 (see /rules)').optional(),
  silenced: z.enum(['1', '0'], { error: 'expected 1 (show silenced findings) or 0' }).transform((v) => v === '1').optional(),
});
type Query = z.infer<typeof querySchema>;

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const EMPTY_COUNTS: FindingCounts = { total: { shown: 0, silenced: 0 }, bySeverity: {}, byCode: {}, analyzedAtMs: null };
const n = (c: FindingCount | undefined, silenced: boolean) => (c ? c.shown + (silenced ? c.silenced : 0) : 0);
const when = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export default async function FindingsPage({ searchParams }: { searchParams: SearchParams }) {
  const raw = await searchParams;
  for (const key of Object.keys(querySchema.shape)) {
    if (Array.isArray(raw[key])) return <BadFilter param={key} message="given more than once" page="/findings" />;
  }
  const query = querySchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '')));
  if (!query.success) {
    const issue = query.error.issues[0]!;
    return <BadFilter param={issue.path.join('.') || 'query'} message={issue.message} page="/findings" />;
  }
  const q = query.data;
  const showSilenced = q.silenced ?? false;
  let findings: FindingView[] = [];
  let counts = EMPTY_COUNTS;
  try {
    ({ findings, counts } = await findingsPage(await prismaClientFor(loadSettings().databaseUrl), { ...q, silenced: showSilenced }));
  } catch (err) {
    if ((err as { code?: string }).code !== 'P2021') throw err;
  }
  const stored = counts.total.shown + counts.total.silenced;
  const shown = findings.filter((f) => f.suppressedBy === null);
  const silenced = findings.filter((f) => f.suppressedBy !== null);
  return (
    <>
      <h1>Findings</h1>
      <p className="summary">
        {counts.total.shown === 0 ? 'Nothing found' : `${counts.total.shown} finding${counts.total.shown === 1 ? '' : 's'}`}
        {counts.total.silenced > 0 && (showSilenced ? ` · ${counts.total.silenced} silenced` : <> · <a href={`/findings?${linkQuery(q, true)}`}>{counts.total.silenced} silenced</a> (hidden)</>)}
        {counts.analyzedAtMs !== null && ` · analysed ${when(counts.analyzedAtMs)}`} · <a href="/rules">rules</a>
      </p>
      {stored === 0 ? (
        <div className="empty">
          <p>No findings stored yet. A running collector (<code>npx envoy-lens collect</code>) refreshes them while it runs; to run the analysis once, use <code>npx envoy-lens findings</code>.</p>
        </div>
      ) : (
        <>
          <Filters q={q} counts={counts} showSilenced={showSilenced} />
          {findings.length === 0 && <NoMatch q={q} counts={counts} showSilenced={showSilenced} />}
          {shown.map((f, i) => <FindingCard key={f.key} f={f} index={i} />)}
          {silenced.length > 0 && <h2 className={styles.heading}>Silenced</h2>}
          {silenced.map((f, i) => <FindingCard key={f.key} f={f} index={shown.length + i} />)}
        </>
      )}
    </>
  );
}

const linkQuery = (q: Query, silenced: boolean) =>
  new URLSearchParams({ ...(q.severity ? { severity: q.severity } : {}), ...(q.code ? { code: q.code } : {}), ...(silenced ? { silenced: '1' } : {}) }).toString();

function NoMatch({ q, counts, showSilenced }: { q: Query; counts: FindingCounts; showSilenced: boolean }) {
  const filtered = q.severity !== undefined || q.code !== undefined;
  const matching = q.code !== undefined ? counts.byCode[q.code] : q.severity !== undefined ? counts.bySeverity[q.severity] : counts.total;
  const hidden = !showSilenced && (matching?.silenced ?? 0) > 0;
  return (
    <div className="empty">
      <p>
        {filtered ? 'No findings match these filters.' : 'Every finding is silenced.'}{' '}
        {hidden && <><a href={`/findings?${linkQuery(q, true)}`}>Show the {matching!.silenced} silenced</a> · </>}
        {filtered && <a href="/findings">Show every finding</a>}
      </p>
    </div>
  );
}

function Filters({ q, counts, showSilenced }: { q: Query; counts: FindingCounts; showSilenced: boolean }) {
  return (
    <form className="filters" method="get" action="/findings" aria-label="Findings filters">
      <label>Severity
        <select name="severity" defaultValue={q.severity ?? ''}>
          <option value="">any</option>
          {(['error', 'warning', 'info'] as const).map((s) => (
            <option key={s} value={s}>{s} ({n(counts.bySeverity[s], showSilenced)})</option>
          ))}
        </select>
      </label>
      <label>Rule
        <select name="code" defaultValue={q.code ?? ''} className={styles.ruleSelect}>
          <option value="">any</option>
          {RULE_CODES.map((code) => (
            <option key={code} value={code}>{code} {ruleOf(code).name} ({n(counts.byCode[code], showSilenced)})</option>
          ))}
        </select>
      </label>
      <label className={styles.check}>
        <input type="checkbox" name="silenced" value="1" defaultChecked={showSilenced} /> Show silenced ({counts.total.silenced})
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}
