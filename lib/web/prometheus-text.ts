// Prometheus text exposition format 0.0.4: metric families (HELP, TYPE, samples) rendered for /metrics.
// https://prometheus.io/docs/instrumenting/exposition_formats/

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Record<string, string>;

export interface Sample {
  labels?: Labels;
  value: number;
}

export interface HistogramSeries {
  labels?: Labels;
  /** Upper bounds, ascending, with the cumulative count of observations at or below each; +Inf is added. */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

export type MetricFamily =
  | { name: string; help: string; type: 'counter' | 'gauge'; samples: Sample[] }
  | { name: string; help: string; type: 'histogram'; series: HistogramSeries[] };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text: backslash and line feed escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label value: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  for (const [name] of pairs) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`bad Prometheus label name "${name}"`);
  }
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function histogramLines(name: string, s: HistogramSeries): string[] {
  const lines = s.buckets
    .filter((b) => b.le !== Infinity)
    .map((b) => `${name}_bucket${labelText(s.labels, ['le', formatValue(b.le)])} ${formatValue(b.count)}`);
  lines.push(`${name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${formatValue(s.count)}`);
  lines.push(`${name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
  lines.push(`${name}_count${labelText(s.labels)} ${formatValue(s.count)}`);
  return lines;
}

/** The families as one exposition, ending in a line feed. Throws on a malformed metric or label name. */
export function renderPrometheusText(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`bad Prometheus metric name "${f.name}"`);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type === 'histogram') {
      for (const s of f.series) lines.push(...histogramLines(f.name, s));
    } else {
      for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}
