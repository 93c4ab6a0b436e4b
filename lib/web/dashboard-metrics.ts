// What /metrics reports: ingest totals (lines read, records, rejects, gaps, other lines), each running collector's
// streams, rate and lag, open findings by severity, and the API routes' durations, in Prometheus text.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { lastLine } from './api-response.ts';
import { collectionRows } from '../store/queries/collection-status.ts';
import { openFindingCounts } from '../store/queries/finding-counts.ts';
import { ingestTotals } from '../store/queries/ingest-totals.ts';
import { collectorStatuses, type CollectorStatusView } from '../store/queries/sources.ts';
import { renderPrometheusText, type MetricFamily } from './prometheus-text.ts';
import { requestDurationFamily, type DurationHistogram } from './request-metrics.ts';

const P = 'envoy_lens_';

const counter = (name: string, help: string, value: number): MetricFamily => ({ name: P + name, help, type: 'counter', samples: [{ value }] });
const gauge = (name: string, help: string, samples: { labels?: Record<string, string>; value: number }[]): MetricFamily =>
  ({ name: P + name, help, type: 'gauge', samples });

async function storeFamilies(prisma: PrismaClient): Promise<MetricFamily[]> {
  const [totals, collection, findings, collectors] = await Promise.all([
    ingestTotals(prisma), collectionRows(prisma), openFindingCounts(prisma), collectorStatuses(prisma),
  ]);
  return [
    counter('ingest_lines_read_total', 'Log lines read, over every source (records, rejected and other lines).', totals.linesRead),
    counter('ingest_records_total', 'Access-log records stored.', totals.records),
    counter('ingest_rejected_lines_total', 'Lines that looked like access-log lines but did not parse.', totals.rejected),
    counter('ingest_other_lines_total', 'Lines that are not access-log lines (Envoy\'s own messages): counted, not stored.', collection.otherLines),
    counter('ingest_ambiguous_records_total', 'Records whose upstream could not be told apart.', totals.ambiguous),
    counter('ingest_gaps_total', 'Stretches of log known to be missed (rotated away, instance unreachable).', collection.gaps),
    gauge('sources', 'Log sources (files and containers) stored.', [{ value: totals.sources }]),
    ...collectorFamilies(collectors.filter((c) => c.stoppedAt === null)),
    gauge('findings', 'Findings the last analysis left open (silenced ones not counted), by severity.',
      (['error', 'warning', 'info'] as const).map((severity) => ({ labels: { severity }, value: findings[severity] }))),
    gauge('findings_silenced', 'Findings silenced by an annotation or the configuration.', [{ value: findings.silenced }]),
  ];
}

/** The collectors that have not said they stopped (a crashed one shows by its old last-status time). */
function collectorFamilies(running: CollectorStatusView[]): MetricFamily[] {
  const per = (value: (c: CollectorStatusView) => number) => running.map((c) => ({ labels: { collector: c.id }, value: value(c) }));
  const lag = (quantile: string, pick: (l: { p50: number; p95: number }) => number) =>
    running.flatMap((c) => (c.lagMs ? [{ labels: { collector: c.id, quantile }, value: pick(c.lagMs) / 1000 }] : []));
  return [
    gauge('collector_streams_followed', 'Container logs a collector follows now.', per((c) => c.followed)),
    gauge('collector_streams_waiting', 'Containers beyond the collector\'s --max-streams, not followed yet.', per((c) => c.waiting.length)),
    gauge('collector_lines_per_second', 'Lines per second a collector reads.', per((c) => c.linesPerSecond)),
    gauge('collector_lag_seconds', 'How far behind the log a collector reads (kubelet timestamp to stored), by quantile.',
      [...lag('0.5', (l) => l.p50), ...lag('0.95', (l) => l.p95)]),
    gauge('collector_last_status_timestamp_seconds', 'When a collector last stored its status (Unix time).', per((c) => c.updatedAtMs / 1000)),
  ];
}

/** The /metrics text. A database that does not answer leaves its numbers out and shows as envoy_lens_database_up 0. */
export async function dashboardMetricsText(prisma: PrismaClient | (() => PrismaClient | Promise<PrismaClient>), histogram?: DurationHistogram): Promise<string> {
  let store: MetricFamily[] = [];
  let up = 1;
  try {
    store = await storeFamilies(typeof prisma === 'function' ? await prisma() : prisma);
  } catch (err) {
    up = 0;
    console.error(`envoy-lens: /metrics could not read the database: ${lastLine((err as Error).message)}`);
  }
  return renderPrometheusText([
    gauge('database_up', 'Whether the database answered the queries behind these metrics (1) or not (0).', [{ value: up }]),
    ...store,
    requestDurationFamily(histogram),
  ]);
}

