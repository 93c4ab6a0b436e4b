'use client';
// A few values side by side per category, as horizontal bars (p50/p95/p99 per upstream): names stay readable on a
// narrow screen.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFigure } from './chart-figure';
import { formatTick, formatValue, seriesColor, type Series, type Unit } from './chart-format';
import { axisLine, axisTick, clip, labelAxisWidth, gridStroke, legendStyle, tooltipLabelStyle, tooltipStyle } from './chart-style';

/** A category's label and its values keyed by series key. */
export type GroupRow = { label: string };

const valueOf = (r: GroupRow, key: string): number | null => {
  const v = (r as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : null;
};

export function GroupedBarChart({ title, caption, level, rows, series, unit }: { title: string; caption?: string; level?: 2 | 3 | 4; rows: readonly GroupRow[]; series: readonly Series[]; unit: Unit }) {
  const labelWidth = labelAxisWidth(rows.map((r) => r.label));
  const table = {
    columns: [{ label: 'Upstream' }, ...series.map((s) => ({ label: s.label, numeric: true }))],
    rows: rows.map((r) => [r.label, ...series.map((s) => formatValue(valueOf(r, s.key), unit))]),
  };
  return (
    <ChartFigure title={title} caption={caption} level={level} table={table}>
      <div className="chart-area" style={{ height: 60 + rows.length * (10 + 9 * series.length) }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows as GroupRow[]} layout="vertical" margin={{ top: 4, right: 14, bottom: 0, left: 0 }} barCategoryGap={5} barGap={1}>
            <CartesianGrid stroke={gridStroke} strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" tick={axisTick} axisLine={axisLine} tickLine={axisLine} tickFormatter={(v: number) => formatTick(v, unit)} />
            <YAxis type="category" dataKey="label" width={labelWidth} tick={axisTick} axisLine={axisLine} tickLine={false} tickFormatter={(s: string) => clip(s)} interval={0} />
            <Tooltip contentStyle={tooltipStyle} labelStyle={tooltipLabelStyle} cursor={{ fill: 'var(--line)', fillOpacity: 0.35 }}
              formatter={(v) => formatValue(typeof v === 'number' ? v : null, unit)} />
            <Legend wrapperStyle={legendStyle} />
            {series.map((s, i) => <Bar key={s.key} dataKey={s.key} name={s.label} fill={seriesColor(s, i)} isAnimationActive={false} radius={[0, 2, 2, 0]} />)}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </ChartFigure>
  );
}
