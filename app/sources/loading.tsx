// Shown while the Sources page reads the database.
import styles from './sources.module.css';

export default function SourcesLoading() {
  return (
    <div aria-busy="true" aria-live="polite">
      <h1>Sources</h1>
      <p className="summary">Loading sources, rejected lines and gaps…</p>
      <div className={styles.skeleton} />
      <div className={styles.skeleton} />
    </div>
  );
}
