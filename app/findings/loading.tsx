// Shown while the Findings page reads the database.
import styles from './findings.module.css';

export default function FindingsLoading() {
  return (
    <div aria-busy="true" aria-live="polite">
      <h1>Findings</h1>
      <p className="summary">Loading findings…</p>
      <div className={styles.skeleton} />
      <div className={styles.skeleton} />
      <div className={styles.skeleton} />
    </div>
  );
}
