// One rule's explanation page: what it means, why it matters, the fix, and when it stays quiet. Findings link here.
import { notFound } from 'next/navigation';
import { isRuleCode, ruleOf, SUPPRESS_HINT } from '../../../lib/analysis/rules';

export default async function RulePage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  const upper = code.toUpperCase();
  if (!isRuleCode(upper)) notFound();
  const rule = ruleOf(upper);
  return (
    <article className="rule">
      <p><a href="/rules">All rules</a></p>
      <h1>{rule.code} {rule.name}</h1>
      <p>Severity: <strong>{rule.severity}</strong> · reads {rule.source === 'config' ? 'Envoy configs and Services, before any traffic' : 'the stored access records'}</p>
      <p>{rule.explanation}</p>
      <h2>Silencing it</h2>
      <p>{SUPPRESS_HINT(rule.code)}</p>
    </article>
  );
}
