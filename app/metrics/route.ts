// GET /metrics: Prometheus text (ingest totals, collectors, findings, API route durations). Behind the dashboard's
// auth unless ENVOY_LENS_METRICS_PUBLIC=1.
import { dashboardMetricsText } from '../../lib/web/dashboard-metrics';
import { PROMETHEUS_CONTENT_TYPE } from '../../lib/web/prometheus-text';
import { loadSettings } from '../../lib/settings';
import { prismaClientFor } from '../../lib/store/prisma-client';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const text = await dashboardMetricsText(() => prismaClientFor(loadSettings().databaseUrl));
  return new Response(text, { headers: { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' } });
}
