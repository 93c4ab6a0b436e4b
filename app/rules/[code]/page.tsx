// One rule's explanation page: what it means, why it matters, the fix, and when it stays quiet; how many current
// findings it has (linked to them), and how to silence it. Findings link here.
import { notFound } from 'next/navigation';
import { isRuleCode, ruleOf, SUPPRESS_HINT } from '../../../lib/analysis/rules';
import { loadSettings } from '../../../lib/settings';
import { prismaClientFor } from '../../../lib/store/prisma-client';
import { findingCountsIfAny } from '../../../lib/store/queries/findings';
import { FindingsLink } from '../findings-link';
import styles from '../rules.module.css';

export const dynamic = 'force-dynamic';

export default async function RulePage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  const upper = code.toUpperCase();
  if (!isRuleCode(upper)) notFound();
  const rule = ruleOf(upper);
  const counts = await findingCountsIfAny(await prismaClientFor(loadSettings().databaseUrl));
  return (
    <article className="rule">
      <p><a href="/rules">All rules</a></p>
      <h1>{rule.code} {rule.name}</h1>
      <p>
        <span className={`severity ${rule.severity}`}>{rule.severity}</span> · reads{' '}
        {rule.source === 'config' ? 'Envoy configs and Services, before any traffic' : 'the stored access records'}
      </p>
      <p>Current findings: <FindingsLink code={rule.code} count={counts?.byCode[rule.code]} /></p>
      <h2 className={styles.heading}>What it means</h2>
      <p className={styles.text}>{rule.explanation}</p>
      <h2 className={styles.heading}>Silencing it</h2>
      <p className={styles.text}>{SUPPRESS_HINT(rule.code)}</p>
    </article>
  );
}
