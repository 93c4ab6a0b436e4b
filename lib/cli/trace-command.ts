// envoy-lens trace: every hop of one request by its X-Request-ID, ordered, indented by who called whom; with a prefix
// that matches several ids, the ids to choose from.
import { buildTrace, type Trace } from '../analysis/traces.ts';
import { prismaClientFor } from '../store/prisma-client.ts';
import { searchRequestIds, traceRecords } from '../store/queries/trace-records.ts';
import { printable } from './terminal-text.ts';

export async function runTrace(databaseUrl: string, id: string, o: { json: boolean }, out: (text: string) => void): Promise<boolean> {
  const prisma = await prismaClientFor(databaseUrl);
  let records = await traceRecords(prisma, id);
  if (records.length === 0) {
    const matches = await searchRequestIds(prisma, id, 20);
    if (matches.length !== 1) {
      if (o.json) out(JSON.stringify({ requestId: null, matches }, null, 2));
      else if (matches.length === 0) out(`no record has an X-Request-ID starting with ${JSON.stringify(id)}`);
      else for (const m of matches) out(`${printable(m.requestId)}  ${m.hops} hops  ${m.firstMs === null ? '' : new Date(m.firstMs).toISOString()}`);
      return matches.length > 0;
    }
    records = await traceRecords(prisma, matches[0]!.requestId);
  }
  const trace = buildTrace(records);
  out(o.json ? JSON.stringify(trace, null, 2) : traceText(trace));
  return true;
}

export function traceText(t: Trace): string {
  const lines = [`request ${JSON.stringify(t.requestId)}: ${t.hops.length} hops${t.spanMs === null ? '' : `, ${t.spanMs.toFixed(1)} ms end to end`}`];
  for (const h of t.hops) {
    const r = h.record;
    const who = r.source.pod ? `${r.source.namespace}/${r.source.pod}` : '(file)';
    const to = r.upstreamPod ? `pod ${r.upstreamNamespace}/${r.upstreamPod}` : r.upstreamService ? `Service ${r.upstreamNamespace}/${r.upstreamService}` : (r.upstreamHost ?? '-');
    const at = h.startMs === null ? '?' : new Date(Math.floor(h.startMs)).toISOString();
    const link = h.parentBy === 'timing' ? ' (parent guessed from timing)' : '';
    lines.push(`${'  '.repeat(h.depth + 1)}${at} ${who} ${r.method ?? '-'} ${JSON.stringify(r.path ?? '-')} ${r.status ?? '-'} ${h.latencyMs ?? '?'} ms → ${to}${link}${h.duplicateOf !== null ? ' (stored twice)' : ''}`);
  }
  return lines.map(printable).join('\n');
}
