// One backend's half of `npm run bench -- --scale`, run in its own process with DATABASE_URL set: every query a
// dashboard page or API route makes, each timed as the page makes it (the URL's filter resolved first, the page's
// loader after), warm-up runs first. Prints one JSON line.
import { parseArgs } from 'node:util';
import { loadBalance } from '../../../lib/web/balance-data.ts';
import { loadLatency, loadOverview, loadResponses } from '../../../lib/web/chart-data.ts';
import { dashboardMetricsText } from '../../../lib/web/dashboard-metrics.ts';
import { livePageData } from '../../../lib/web/live-page-data.ts';
import { pageFilter } from '../../../lib/web/page-filter.ts';
import { requestsPageData } from '../../../lib/web/requests-page-data.ts';
import { lookUpTrace } from '../../../lib/web/trace-lookup.ts';
import { loadSettings } from '../../../lib/settings.ts';
import { disconnectAll, prismaClientFor } from '../../../lib/store/prisma-client.ts';
import { findingsPage } from '../../../lib/store/queries/findings.ts';
import { sourcesPage } from '../../../lib/store/queries/sources.ts';
import type { RecordFilter } from '../../../lib/store/queries/record-filter.ts';
import { requestIdOf } from './scale-data.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, 'end-ms': { type: 'string' }, records: { type: 'string' } } });
const runs = Number(values.runs);
const endMs = Number(values['end-ms']);
const records = Number(values.records);
const prisma = await prismaClientFor(loadSettings().databaseUrl);

type Params = Record<string, string>;
const iso = (ms: number) => new Date(ms).toISOString();
const windows: [string, Params][] = [
  ['latest hour', {}],
  ['24 h', { from: iso(endMs - 86_400_000), to: iso(endMs + 1) }],
  ['7 d', { from: iso(endMs - 7 * 86_400_000), to: iso(endMs + 1) }],
];

async function filtered<T>(params: Params, load: (f: RecordFilter) => Promise<T>): Promise<T> {
  const pf = await pageFilter(params);
  if (!pf.ok) throw new Error(`bad filter ${JSON.stringify(params)}: ${pf.message}`);
  return load(pf.filter);
}

const apis: [string, () => Promise<unknown>][] = [];
for (const [label, params] of windows) {
  apis.push([`/ (overview), ${label}`, () => filtered(params, loadOverview)]);
  apis.push([`/responses, ${label}`, () => filtered(params, loadResponses)]);
  apis.push([`/latency, ${label}`, () => filtered(params, loadLatency)]);
  apis.push([`/balance, ${label}`, () => filtered(params, loadBalance)]);
}
apis.push(['/requests, latest hour (first page + total)', () => filtered({}, (f) => requestsPageData(prisma, f, undefined))]);
apis.push(['/requests, 7 d, status 5xx', () => filtered({ ...windows[2]![1], status: '5xx' }, (f) => requestsPageData(prisma, f, undefined))]);
apis.push(['/requests, 7 d, upstream pod + path prefix', () => filtered({ ...windows[2]![1], upstream: 'backend-7b9c5d8f6d-cx2q', path: '/api/orders' }, (f) => requestsPageData(prisma, f, undefined))]);
let n = 0;
apis.push(['/trace/[id], exact id', () => lookUpTrace(prisma, requestIdOf(Math.floor(records / 2) + n++))]);
apis.push(['/trace/[id], 6-character prefix', () => lookUpTrace(prisma, requestIdOf(Math.floor(records / 3) + n++).slice(0, 6))]);
apis.push(['/api/live (first 50 of the latest hour)', () => filtered({}, (f) => livePageData(prisma, f, 50))]);
apis.push(['/findings', () => findingsPage(prisma, {})]);
apis.push(['/sources', () => sourcesPage(prisma, {})]);
apis.push(['/metrics', () => dashboardMetricsText(prisma)]);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const results: { api: string; p50: number; p95: number; max: number }[] = [];
for (const [api, call] of apis) {
  for (let i = 0; i < 2; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  results.push({ api, p50: quantile(times, 0.5), p95: quantile(times, 0.95), max: times.at(-1)! });
  process.stderr.write(`    ${api.padEnd(48)} p50 ${quantile(times, 0.5).toFixed(1).padStart(7)} ms   p95 ${quantile(times, 0.95).toFixed(1).padStart(7)} ms\n`);
}

// The baseline, in the same run: the 7-day Responses chart with a path filter, which per-minute rollups cannot answer,
// so it counts the records themselves.
const rawTimes: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  await filtered({ ...windows[2]![1], path: '/' }, loadResponses);
  rawTimes.push(performance.now() - t);
}
rawTimes.sort((a, b) => a - b);
await disconnectAll();
console.log(JSON.stringify({ results, baseline: { api: '/responses, 7 d, path prefix "/" (records scanned, no rollups)', p50: quantile(rawTimes, 0.5) } }));
