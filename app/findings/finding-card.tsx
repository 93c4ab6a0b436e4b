// One finding: severity, rule (linked to its explanation), what it is about, the message, when it was seen, the
// evidence, and the fix with a copy button per file. Server component; the copy button is the only client part.
import { isRuleCode, ruleUrl } from '../../lib/analysis/rules';
import type { FindingView } from '../../lib/store/queries/findings';
import { CopyButton } from './copy-button';
import { Evidence } from './evidence';
import styles from './findings.module.css';

const when = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('.000Z', 'Z'));

export function FindingCard({ f, index }: { f: FindingView; index: number }) {
  const id = `finding-${index}`;
  return (
    <section className={`finding finding-${f.severity}`} data-code={f.code} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className={styles.title}>
        <span className={`severity ${f.severity}`}>{f.severity}</span>{' '}
        {isRuleCode(f.code) ? <a href={ruleUrl(f.code)}>{f.code}</a> : f.code} {f.title}
      </h3>
      <p className={`mono ${styles.meta}`}>{f.resource}{f.location && ` · ${f.location}`}</p>
      <p className={styles.message}>{f.message}</p>
      <p className={styles.meta}>
        {f.firstSeenMs !== null ? <>First seen {when(f.firstSeenMs)} · last seen {when(f.lastSeenMs)}</> : 'Found in the configuration'}
        {isRuleCode(f.code) && <> · <a className={styles.ruleLink} href={ruleUrl(f.code)}>what {f.code} means and how to silence it</a></>}
      </p>
      {f.suppressedBy && <p className={styles.meta}><strong>Silenced:</strong> {f.suppressedBy}</p>}
      <Evidence evidence={f.evidence} id={id} />
      {f.fix && (
        <>
          <p className={styles.sectionTitle}>Fix</p>
          <p className={styles.message}>{f.fix.summary}</p>
          {(f.fix.files ?? []).length > 0 && (
            <details open={f.severity === 'error' && !f.suppressedBy}>
              <summary>{(f.fix.files ?? []).length === 1 ? 'The file to apply' : `${(f.fix.files ?? []).length} files to apply`}</summary>
              {(f.fix.files ?? []).map((file, i) => (
                <div key={`${file.name}-${i}`} className={styles.fixFile}>
                  <div className={styles.fixHead}>
                    <p><span className="mono">{file.name}</span>{file.description && `: ${firstLine(file.description)}`}</p>
                    <CopyButton text={file.text} targetId={`${id}-fix-${i}`} label={`Copy ${file.name.length > 32 ? 'file' : file.name}`} />
                  </div>
                  <Diff text={file.description} />
                  <pre id={`${id}-fix-${i}`} className={styles.fixText}>{file.text}</pre>
                </div>
              ))}
            </details>
          )}
        </>
      )}
    </section>
  );
}

const firstLine = (text: string) => text.split('\n', 1)[0];

/** What a description holds after its first line: a diff of the change, lines coloured by their +/- prefix. */
function Diff({ text }: { text: string }) {
  const lines = text.split('\n').slice(1);
  if (lines.length === 0) return null;
  return (
    <details className={styles.diff}>
      <summary>What changes</summary>
      <pre>
        {lines.map((line, i) => (
          <span key={i} className={`${styles.line} ${line.startsWith('+') && !line.startsWith('+++') ? styles.add : line.startsWith('-') && !line.startsWith('---') ? styles.del : ''}`}>
            {line || ' '}
          </span>
        ))}
      </pre>
    </details>
  );
}
