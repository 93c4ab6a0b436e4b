// Rules: every check envoy-lens runs, with its code and severity, how many current findings it has (linked to them on
// the Findings page), and a link to its explanation.
import { RULE_CODES, ruleOf, ruleUrl } from '../../lib/analysis/rules';
import { loadSettings } from '../../lib/settings';
import { prismaClientFor } from '../../lib/store/prisma-client';
import { findingCountsIfAny } from '../../lib/store/queries/findings';
import { FindingsLink } from './findings-link';
import styles from './rules.module.css';

export const dynamic = 'force-dynamic';

export default async function RulesPage() {
  const counts = await findingCountsIfAny(await prismaClientFor(loadSettings().databaseUrl));
  return (
    <div>
      <h1>Rules</h1>
      <p className="summary">
        Every check the analysis runs. Each finding names its rule; a rule&apos;s page says what it means, why it matters,
        how to fix it and how to silence it.
      </p>
      <div className="table-wrap">
        <table className="records">
          <thead>
            <tr><th>Code</th><th>Rule</th><th>Current findings</th><th>Severity</th><th>Reads</th></tr>
          </thead>
          <tbody>
            {RULE_CODES.map((code) => {
              const rule = ruleOf(code);
              return (
                <tr key={code}>
                  <td><a href={ruleUrl(code)}>{code}</a></td>
                  <td className={styles.name}>{rule.name}</td>
                  <td><FindingsLink code={code} count={counts?.byCode[code]} /></td>
                  <td><span className={`severity ${rule.severity}`}>{rule.severity}</span></td>
                  <td>{rule.source === 'config' ? 'Envoy configs' : 'traffic'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
