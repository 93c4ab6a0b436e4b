'use client';
// How many requests took how long: contiguous bars over 1-2-5 duration bins (0–1 ms, 1–2 ms, 2–5 ms, …).
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFigure } from './chart-figure';
import { formatTick, formatValue } from './chart-format';
import { axisLine, axisTick, gridStroke, tooltipLabelStyle, tooltipStyle } from './chart-style';

export interface HistogramBar {
  fromMs: number;
  toMs: number;
  count: number;
}

const ms = (v: number) => (v >= 1000 ? `${v / 1000}s` : `${v}`);
const binLabel = (b: HistogramBar) => (b.toMs >= 1000 ? `${ms(b.fromMs)}–${ms(b.toMs)}` : `${b.fromMs}–${b.toMs} ms`);

export function HistogramChart({ title, caption, level, bins, height = 240 }: { title: string; caption?: string; level?: 2 | 3 | 4; bins: readonly HistogramBar[]; height?: number }) {
  const total = bins.reduce((sum, b) => sum + b.count, 0);
  const data = bins.map((b) => ({ ...b, label: binLabel(b) }));
  const table = {
    columns: [{ label: 'Duration' }, { label: 'Requests', numeric: true }, { label: 'Share', numeric: true }],
    rows: data.map((b) => [b.label, formatValue(b.count, 'count'), formatValue(total ? b.count / total : null, 'share')]),
  };
  return (
    <ChartFigure title={title} caption={caption} level={level} table={table}>
      <div className="chart-area" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 6, right: 8, bottom: 0, left: 0 }} barCategoryGap={1}>
            <CartesianGrid stroke={gridStroke} strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" tick={axisTick} axisLine={axisLine} tickLine={axisLine} minTickGap={6}
              tickFormatter={(l: string) => l.replace(' ms', '')} />
            <YAxis width={46} tick={axisTick} axisLine={axisLine} tickLine={axisLine} allowDecimals={false} tickFormatter={(v: number) => formatTick(v, 'count')} />
            <Tooltip contentStyle={tooltipStyle} labelStyle={tooltipLabelStyle} cursor={{ fill: 'var(--line)', fillOpacity: 0.35 }}
              formatter={(v) => [`${formatValue(Number(v), 'count')} (${formatValue(total ? Number(v) / total : null, 'share')})`, 'requests']} />
            <Bar dataKey="count" name="requests" fill="var(--series-1)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </ChartFigure>
  );
}
