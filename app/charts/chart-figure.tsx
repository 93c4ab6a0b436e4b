// The frame every chart sits in: a figure whose caption holds the visible title and what the chart shows, then the
// chart, then a "Table" toggle with the same numbers as a plain table (a <details>: it opens without JavaScript, and
// it is what a screen reader or a copy-paste gets).
import type { ReactNode } from 'react';
import './charts.css';

export interface ChartTable {
  columns: { label: string; numeric?: boolean }[];
  rows: (string | number)[][];
}

export function ChartFigure({ title, caption, level = 3, table, children }: { title: string; caption?: ReactNode; level?: 2 | 3 | 4; table: ChartTable; children: ReactNode }) {
  const Heading = level === 2 ? 'h2' : level === 3 ? 'h3' : 'h4';
  return (
    <figure className="chart">
      <figcaption>
        <Heading>{title}</Heading>
        {caption && <p>{caption}</p>}
      </figcaption>
      {children}
      <details className="chart-table">
        <summary>Table</summary>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>{table.columns.map((c) => <th key={c.label} scope="col" className={c.numeric ? 'num' : undefined}>{c.label}</th>)}</tr>
            </thead>
            <tbody>
              {table.rows.map((row, i) => (
                <tr key={i}>{row.map((cell, j) => <td key={j} className={table.columns[j]?.numeric ? 'num' : undefined}>{cell}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
