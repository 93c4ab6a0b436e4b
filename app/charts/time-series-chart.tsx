'use client';
// Values over time, one line or area per series (stacked when the series add up to a whole, like status classes).
// Points are bucket starts; a null value is a gap (no record in that bucket to take a percentile of).
import { Area, AreaChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFigure } from './chart-figure';
import { formatTick, formatTime, formatTimeTick, formatValue, seriesColor, type Series, type Unit } from './chart-format';
import { axisLine, axisTick, gridStroke, legendStyle, tooltipCursor, tooltipLabelStyle, tooltipStyle } from './chart-style';

/** A bucket's start and its values, keyed by series key. */
export type TimePoint = { t: number };

export interface TimeSeriesChartProps {
  title: string;
  caption?: string;
  level?: 2 | 3 | 4;
  points: readonly TimePoint[];
  series: readonly Series[];
  unit: Unit;
  /** line: lines; area: filled, overlapping; stacked-area: filled, each on the ones before. */
  kind?: 'line' | 'area' | 'stacked-area';
  bucketMs: number;
  height?: number;
  /** Fixes the top of the value axis (1 for shares). */
  yMax?: number;
  /** log: powers of ten on the value axis (latencies, where a few slow requests would flatten the rest); values
   * under 1 are drawn at 1, the tooltip and the table keep them as they are. */
  yScale?: 'linear' | 'log';
}

const valueOf = (p: TimePoint, key: string): number | null => {
  const v = (p as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : null;
};

/** Powers of ten from 1 to the first at or above the largest value. */
function logTicks(points: readonly TimePoint[], series: readonly Series[]): number[] {
  const max = Math.max(1, ...points.flatMap((p) => series.map((s) => valueOf(p, s.key) ?? 0)));
  const ticks = [1];
  while (ticks.at(-1)! < max) ticks.push(ticks.at(-1)! * 10);
  return ticks;
}

const plotKey = (key: string, log: boolean) => (log ? `${key}_plot` : key);

export function TimeSeriesChart({ title, caption, level, points, series, unit, kind = 'line', bucketMs, height = 240, yMax, yScale = 'linear' }: TimeSeriesChartProps) {
  const log = yScale === 'log';
  const ticks = log ? logTicks(points, series) : undefined;
  const data = log
    ? points.map((p) => ({ ...p, ...Object.fromEntries(series.map((s) => { const v = valueOf(p, s.key); return [plotKey(s.key, true), v === null ? null : Math.max(1, v)]; })) }))
    : points;
  const first = points[0]?.t ?? 0;
  const last = points.at(-1)?.t ?? first;
  const span = last - first + bucketMs;
  const table = {
    columns: [{ label: 'Bucket start (UTC)' }, ...series.map((s) => ({ label: s.label, numeric: true }))],
    rows: points.map((p) => [formatTime(p.t), ...series.map((s) => formatValue(valueOf(p, s.key), unit))]),
  };
  const Chart = kind === 'line' ? LineChart : AreaChart;
  return (
    <ChartFigure title={title} caption={caption} level={level} table={table}>
      <div className="chart-area" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <Chart data={data as TimePoint[]} margin={{ top: 6, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke={gridStroke} strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="t" type="number" scale="time" domain={[first, last]} tick={axisTick} axisLine={axisLine} tickLine={axisLine}
              tickFormatter={(t: number) => formatTimeTick(t, bucketMs, span)} minTickGap={28} />
            <YAxis width={46} tick={axisTick} axisLine={axisLine} tickLine={axisLine} allowDecimals={unit !== 'count'}
              {...(ticks ? { scale: 'log', domain: [1, ticks.at(-1)!], ticks, allowDataOverflow: true } : { domain: [0, yMax ?? 'auto'] })}
              tickFormatter={(v: number) => formatTick(v, unit)} />
            <Tooltip contentStyle={tooltipStyle} labelStyle={tooltipLabelStyle} cursor={tooltipCursor}
              labelFormatter={(t) => formatTime(Number(t))}
              formatter={(v, _name, item) => {
                const key = String(item?.dataKey ?? '').replace(/_plot$/, '');
                const original = log && item?.payload ? valueOf(item.payload as TimePoint, key) : typeof v === 'number' ? v : null;
                return formatValue(original, unit);
              }} />
            {series.length > 1 && <Legend wrapperStyle={legendStyle} />}
            {series.map((s, i) => kind === 'line'
              ? <Line key={s.key} dataKey={plotKey(s.key, log)} name={s.label} stroke={seriesColor(s, i)} strokeWidth={1.8} dot={false} type="linear" isAnimationActive={false} connectNulls={false} />
              : <Area key={s.key} dataKey={plotKey(s.key, log)} name={s.label} stroke={seriesColor(s, i)} fill={seriesColor(s, i)} fillOpacity={kind === 'stacked-area' ? 0.55 : 0.18}
                  strokeWidth={1.5} type="linear" isAnimationActive={false} {...(kind === 'stacked-area' ? { stackId: 'all' } : {})} />)}
          </Chart>
        </ResponsiveContainer>
      </div>
    </ChartFigure>
  );
}
