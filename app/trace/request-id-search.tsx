// A request-id search: a plain GET form to /trace, which opens the trace of the id, or lists the ids starting with it.
import styles from './trace.module.css';

export function RequestIdSearch({ defaultValue = '' }: { defaultValue?: string }) {
  return (
    <form className={styles.search} method="get" action="/trace" role="search" aria-label="Find a request">
      <label>
        <span className={styles.searchLabel}>Request ID</span>
        <input name="id" defaultValue={defaultValue} placeholder="X-Request-ID or its start" maxLength={256} required size={28} />
      </label>
      <button type="submit">Trace</button>
    </form>
  );
}
