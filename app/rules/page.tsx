// Rules: every check envoy-lens runs, with its code and severity; each links to its explanation.
import { RULE_CODES, ruleOf, ruleUrl } from '../../lib/analysis/rules';

export default function RulesPage() {
  return (
    <div>
      <h1>Rules</h1>
      <table className="records">
        <thead>
          <tr><th>Code</th><th>Rule</th><th>Severity</th><th>Reads</th></tr>
        </thead>
        <tbody>
          {RULE_CODES.map((code) => {
            const rule = ruleOf(code);
            return (
              <tr key={code}>
                <td><a href={ruleUrl(code)}>{code}</a></td>
                <td>{rule.name}</td>
                <td>{rule.severity}</td>
                <td>{rule.source === 'config' ? 'Envoy configs' : 'traffic'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
