// What a chart page shows while its numbers are counted: its title and grey blocks where the tiles and charts go.
import './charts.css';

/** Without a title for the root's loading state, which every page without its own shows. */
export function PageLoading({ title, charts = 2 }: { title?: string; charts?: number }) {
  return (
    <div aria-busy="true">
      {title && <h1>{title}</h1>}
      <p className="loading" role="status">{title ? 'Counting requests…' : 'Loading…'}</p>
      <div className="tiles">
        {[0, 1, 2, 3].map((i) => <div key={i} className="skeleton" style={{ height: 64 }} />)}
      </div>
      {Array.from({ length: charts }, (_, i) => <div key={i} className="skeleton" style={{ height: 280, marginBottom: 14 }} />)}
    </div>
  );
}
