// A trace laid out as a timeline: one row per hop in call order (each caller followed by the hops it made, indented by
// depth), its bar starting where the hop started relative to the first one and as long as its latency, both as a
// percentage of the whole span, and round-number ticks along the axis.
import type { Trace, TraceHop } from '../analysis/traces.ts';
import { upstreamText } from './upstream-label.ts';

export interface TimelineRow {
  hop: TraceHop;
  depth: number;
  /** Start relative to the earliest hop (ms); null when the record has no start time (no bar). */
  offsetMs: number | null;
  latencyMs: number | null;
  /** Bar position and length as percentages of the span (0..100). */
  leftPct: number;
  widthPct: number;
  /** `namespace/pod` whose Envoy wrote the record, or `(file)`. */
  source: string;
  /** Pod or Service with the address. */
  upstream: string;
  /** `GET /checkout 200 · 12 ms` */
  request: string;
  /** The parent was guessed from timing only (low confidence). */
  guessedParent: boolean;
  /** On the chain that bounds the request's latency. */
  critical: boolean;
}

export interface Timeline {
  spanMs: number;
  rows: TimelineRow[];
  ticks: { ms: number; pct: number }[];
}

/** A tick step of 1, 2 or 5 × 10^k giving at most `most` intervals over the span. */
export function tickStep(spanMs: number, most = 5): number {
  if (!(spanMs > 0)) return 1;
  const raw = spanMs / most;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

export const formatMs = (ms: number) => `${Number.isInteger(ms) ? ms : ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;

/** The hops depth first: each root, then its children by start time, recursively; hops without a start time last. */
function callOrder(trace: Trace): TraceHop[] {
  const children = new Map<number | null, TraceHop[]>();
  for (const hop of trace.hops) {
    const list = children.get(hop.parentId);
    if (list) list.push(hop);
    else children.set(hop.parentId, [hop]);
  }
  const out: TraceHop[] = [];
  const seen = new Set<number>();
  const visit = (hop: TraceHop) => {
    if (seen.has(hop.record.id)) return;
    seen.add(hop.record.id);
    out.push(hop);
    for (const child of children.get(hop.record.id) ?? []) visit(child);
  };
  for (const root of children.get(null) ?? []) visit(root);
  for (const hop of trace.hops) visit(hop); // a parent outside the trace (cannot happen today) still shows the hop
  return out;
}

export function traceTimeline(trace: Trace): Timeline {
  const origin = trace.startMs ?? 0;
  const spanMs = trace.spanMs !== null && trace.spanMs > 0 ? trace.spanMs : 1;
  const critical = new Set(trace.criticalPath);
  const pct = (ms: number) => Math.min(100, Math.max(0, (ms / spanMs) * 100));
  const rows = callOrder(trace).map((hop): TimelineRow => {
    const r = hop.record;
    const offsetMs = hop.startMs === null ? null : hop.startMs - origin;
    const leftPct = offsetMs === null ? 0 : pct(offsetMs);
    return {
      hop,
      depth: hop.depth,
      offsetMs,
      latencyMs: hop.latencyMs,
      leftPct,
      widthPct: offsetMs === null ? 0 : Math.min(100 - leftPct, pct(hop.latencyMs ?? 0)),
      source: r.source.pod ? `${r.source.namespace ?? ''}/${r.source.pod}` : '(file)',
      upstream: upstreamText(r),
      request: `${r.method ?? '–'} ${r.path ?? '–'} ${r.status ?? 'no status'} · ${hop.latencyMs === null ? '? ms' : formatMs(hop.latencyMs)}`,
      guessedParent: hop.parentBy === 'timing',
      critical: critical.has(r.id),
    };
  });
  const step = tickStep(spanMs);
  const ticks: Timeline['ticks'] = [];
  for (let i = 0; i * step <= spanMs + 1e-9; i++) {
    const ms = Math.round(i * step * 1e6) / 1e6;
    ticks.push({ ms, pct: pct(ms) });
  }
  return { spanMs, rows, ticks };
}
