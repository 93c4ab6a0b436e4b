// Recharts props shared by every chart, in CSS variables so they follow dark mode.
import type { CSSProperties } from 'react';

export const axisTick = { fill: 'var(--muted)', fontSize: 11.5 };
export const axisLine = { stroke: 'var(--line)' };
export const gridStroke = 'var(--line)';
export const tooltipStyle: CSSProperties = { background: 'var(--card)', border: '1px solid var(--line)', borderRadius: 6, color: 'var(--fg)', fontSize: 12.5 };
export const tooltipLabelStyle: CSSProperties = { color: 'var(--muted)', marginBottom: 2 };
export const tooltipCursor = { stroke: 'var(--muted)', strokeDasharray: '3 3' };
export const legendStyle: CSSProperties = { fontSize: 12, paddingTop: 4 };

/** Long names cut in the middle for an axis (pod names differ at the end: payments-k5wf…g2-rcdz6); the table has them
 * in full. */
export const clip = (s: string, max = 20): string => (s.length > max ? `${s.slice(0, max - 9)}…${s.slice(-8)}` : s);

/** Width for an axis of such names, in px, at the 11.5 px tick font. */
export const labelAxisWidth = (labels: readonly string[]): number => Math.min(160, 18 + 6.8 * Math.max(4, ...labels.map((l) => clip(l).length)));
