// How many current findings a rule has, linked to them on the Findings page (silenced ones counted apart).
import type { RuleCode } from '../../lib/analysis/rules';
import type { FindingCount } from '../../lib/store/queries/findings';

export function FindingsLink({ code, count }: { code: RuleCode; count: FindingCount | undefined }) {
  const shown = count?.shown ?? 0;
  const silenced = count?.silenced ?? 0;
  if (shown === 0 && silenced === 0) return <span className="summary">none</span>;
  return (
    <>
      {shown > 0 && <a href={`/findings?code=${code}`}>{shown} finding{shown === 1 ? '' : 's'}</a>}
      {shown > 0 && silenced > 0 && ' · '}
      {silenced > 0 && <a href={`/findings?code=${code}&silenced=1`}>{silenced} silenced</a>}
    </>
  );
}
