'use client';
// Requests per upstream pod as shares of the cluster's records, one horizontal bar each, with a tick at the share each
// pod should have got (its expected share) when the policy promises an equal split.
import { Bar, BarChart, CartesianGrid, Cell, ReferenceDot, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFigure } from './chart-figure';
import { formatTick, formatValue } from './chart-format';
import { axisLine, axisTick, clip, labelAxisWidth, gridStroke, tooltipLabelStyle, tooltipStyle } from './chart-style';

export interface ShareBar {
  label: string;
  requests: number;
  /** 0..1; null when the slice had no records to pods. */
  share: number | null;
  expectedShare: number | null;
  /** Records while a ready endpoint, and how many it should have got of them. */
  tested: number;
  expected: number | null;
  /** Index into the series palette (the same pod has the same colour in every chart of the page). */
  colorIndex: number;
}

const BAR_ROW = 34;

export function ShareBarChart({ title, caption, level, bars }: { title: string; caption?: string; level?: 2 | 3 | 4; bars: readonly ShareBar[] }) {
  const hasExpected = bars.some((b) => b.expectedShare !== null);
  const max = Math.max(0.05, ...bars.map((b) => Math.max(b.share ?? 0, b.expectedShare ?? 0))) * 1.08;
  const step = max <= 0.25 ? 0.05 : max <= 0.5 ? 0.1 : 0.2;
  const top = Math.min(1, Math.ceil(max / step - 1e-9) * step);
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => Math.min(1, i * step));
  const labelWidth = labelAxisWidth(bars.map((b) => b.label));
  const data = bars.map((b) => ({ ...b, share: b.share ?? 0 }));
  const table = {
    columns: [{ label: 'Upstream pod' }, { label: 'Requests', numeric: true }, { label: 'Share', numeric: true }, { label: 'Expected share', numeric: true },
      { label: 'While ready', numeric: true }, { label: 'Expected', numeric: true }],
    rows: bars.map((b) => [b.label, formatValue(b.requests, 'count'), formatValue(b.share, 'share'), formatValue(b.expectedShare, 'share'),
      formatValue(b.tested, 'count'), b.expected === null ? '–' : b.expected.toFixed(1)]),
  };
  return (
    <ChartFigure title={title} caption={caption} level={level} table={table}>
      <div className="chart-area" style={{ height: 46 + BAR_ROW * Math.max(bars.length, 2) }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ top: 4, right: 14, bottom: 0, left: 0 }} barCategoryGap={6}>
            <CartesianGrid stroke={gridStroke} strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" domain={[0, top]} ticks={ticks} tick={axisTick} axisLine={axisLine} tickLine={axisLine} tickFormatter={(v: number) => formatTick(v, 'share')} />
            <YAxis type="category" dataKey="label" width={labelWidth} tick={axisTick} axisLine={axisLine} tickLine={false} tickFormatter={(s: string) => clip(s)} interval={0} />
            <Tooltip contentStyle={tooltipStyle} labelStyle={tooltipLabelStyle} cursor={{ fill: 'var(--line)', fillOpacity: 0.35 }}
              formatter={(v, _name, item) => {
                const bar = item?.payload as ShareBar | undefined;
                return [`${formatValue(typeof v === 'number' ? v : null, 'share')} (${formatValue(bar?.requests, 'count')})${bar?.expectedShare != null ? ` · expected ${formatValue(bar.expectedShare, 'share')}` : ''}`, 'share'];
              }} />
            <Bar dataKey="share" name="share of requests" isAnimationActive={false} radius={[0, 3, 3, 0]}>
              {data.map((b) => <Cell key={b.label} fill={`var(--series-${(b.colorIndex % 8) + 1})`} />)}
            </Bar>
            {hasExpected && data.map((b) => b.expectedShare !== null && (
              <ReferenceDot key={`e-${b.label}`} x={b.expectedShare} y={b.label} ifOverflow="extendDomain" r={0}
                shape={(p: { cx?: number; cy?: number }) => <ExpectedTick cx={p.cx ?? 0} cy={p.cy ?? 0} />} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <ul className="share-legend" aria-label="Shares">
        {bars.map((b) => (
          <li key={b.label}>
            <span className="swatch" style={{ background: `var(--series-${(b.colorIndex % 8) + 1})` }} />
            <span className="share-pod">{b.label}</span> <b>{formatValue(b.share, 'share')}</b>
            {b.expectedShare !== null && <span className="share-expected"> · expected {formatValue(b.expectedShare, 'share')}</span>}
          </li>
        ))}
        {hasExpected && (
          <li className="chart-key" aria-hidden="true">
            <svg width="14" height="14" viewBox="0 0 14 14"><line x1="7" y1="0" x2="7" y2="14" stroke="var(--expected)" strokeWidth="3" /></svg> the tick: expected share
          </li>
        )}
      </ul>
    </ChartFigure>
  );
}

function ExpectedTick({ cx, cy }: { cx: number; cy: number }) {
  const half = BAR_ROW / 2 - 2;
  return (
    <g>
      <line x1={cx} x2={cx} y1={cy - half} y2={cy + half} stroke="var(--card)" strokeWidth={5} />
      <line x1={cx} x2={cx} y1={cy - half} y2={cy + half} stroke="var(--expected)" strokeWidth={2.5} />
    </g>
  );
}
