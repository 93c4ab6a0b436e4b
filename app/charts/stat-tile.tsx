// One number with its label (and a note under it), optionally a link to the page that explains it.
import type { ReactNode } from 'react';
import './charts.css';

export function StatTile({ label, value, note, tone, href }: { label: string; value: ReactNode; note?: ReactNode; tone?: 'bad' | 'warn'; href?: string }) {
  const body = (
    <>
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
      {note && <div className="tile-note">{note}</div>}
    </>
  );
  const className = `tile${tone ? ` ${tone}` : ''}`;
  return href ? <a className={className} href={href}>{body}</a> : <div className={className}>{body}</div>;
}
