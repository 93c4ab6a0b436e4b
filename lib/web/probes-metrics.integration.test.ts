// /healthz, /readyz and /metrics route handlers, called as Next.js calls them, against real SQLite databases: a
// migrated one with ingest, collector and finding rows, an empty unmigrated one, and one that cannot be opened.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { deployMigrations } from '../store/migrate.ts';
import { disconnectAll, prismaClientFor } from '../store/prisma-client.ts';
import { tempSqliteDatabase, type TempDatabase } from '../testing/temp-database.ts';

type Get = () => Promise<Response> | Response;

describe('probes and metrics routes', () => {
  let db: TempDatabase;
  let bare: TempDatabase;
  let prisma: PrismaClient;
  let healthGET: Get;
  let readyGET: Get;
  let metricsGET: Get;
  let traceGET: (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response>;

  const status = (id: string, over: Record<string, unknown>) => JSON.stringify({
    id, startedAt: '2025-12-16T10:00:00Z', at: '2025-12-16T10:05:00Z', stoppedAt: null, followed: 3, waiting: [], maxStreams: 100,
    linesPerSecond: 12.5, lagMs: { p50: 250, p95: 1500, max: 4000 }, totals: {}, errors: {}, recentErrors: [], watches: [], writerError: null, containers: [],
    ...over,
  });

  before(async () => {
    db = tempSqliteDatabase('probes-metrics');
    bare = tempSqliteDatabase('probes-unmigrated');
    await deployMigrations(db.url);
    process.env.DATABASE_URL = db.url; // read by loadSettings() when a handler runs
    prisma = await prismaClientFor(db.url);
    const source = (key: string, pod: string) => prisma.source.create({ data: { key, kind: 'pod', namespace: 'shop', pod, container: 'envoy', format: 'text' } });
    const [a, b] = [await source('pod:uid-a/envoy/c1', 'front-a'), await source('pod:uid-b/envoy/c1', 'front-b')];
    await prisma.ingestCheckpoint.create({ data: { sourceId: a.id, linesRead: 1000, records: 900, rejected: 60, ambiguous: 5, otherLines: 40 } });
    await prisma.ingestCheckpoint.create({ data: { sourceId: b.id, linesRead: 10, records: 7, rejected: 1, otherLines: 2 } });
    for (const reason of ['rotated', 'instance-unreachable']) {
      await prisma.ingestGap.create({ data: { sourceId: a.id, namespace: 'shop', pod: 'front-a', container: 'envoy', reason, detail: 'test' } });
    }
    const at = new Date(Date.UTC(2025, 11, 16, 10, 5));
    await prisma.collectorStatus.createMany({ data: [
      { id: 'node-1:42', json: status('node-1:42', {}), updatedAt: at },
      { id: 'odd"name\\', json: status('odd"name\\', { followed: 'many', lagMs: 'soon', waiting: [{ namespace: 'shop', pod: 'p', container: 'envoy' }] }), updatedAt: at },
      { id: 'gone:7', json: status('gone:7', { stoppedAt: '2025-12-16T10:04:00Z' }), updatedAt: at },
      { id: 'broken', json: '{not json', updatedAt: at },
    ] });
    const finding = (key: string, severity: string, suppressedBy: string | null = null) => ({
      key, code: 'EL0001', severity, resourceKind: 'Service', resourceName: key, title: key, message: key, evidenceJson: '{}', suppressedBy, analyzedAt: at,
    });
    await prisma.finding.createMany({ data: [
      finding('e1', 'error'), finding('e2', 'error'), finding('w1', 'warning'), finding('i1', 'info', 'annotation envoy-lens/ignore'),
    ] });
    ({ GET: healthGET } = await import('../../app/healthz/route.ts'));
    ({ GET: readyGET } = await import('../../app/readyz/route.ts'));
    ({ GET: metricsGET } = await import('../../app/metrics/route.ts'));
    ({ GET: traceGET } = await import('../../app/api/trace/[id]/route.ts'));
  });
  after(async () => {
    process.env.DATABASE_URL = db.url;
    await disconnectAll();
    db.remove();
    bare.remove();
  });

  test('/healthz: 200 ok', async () => {
    const response = await healthGET();
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok\n');
  });

  test('/readyz: 200 on the migrated database', async () => {
    process.env.DATABASE_URL = db.url;
    const response = await readyGET();
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(await response.text(), 'ready\n');
  });

  test('/readyz: 503 naming the missing migration on an empty database', async () => {
    process.env.DATABASE_URL = bare.url;
    try {
      const response = await readyGET();
      assert.equal(response.status, 503);
      assert.match(await response.text(), /^not ready: database not migrated: the Finding table is missing/);
    } finally {
      process.env.DATABASE_URL = db.url;
    }
  });

  test('/readyz: 503 when the database cannot be opened, without its path', async () => {
    process.env.DATABASE_URL = 'file:/dev/null/cannot/envoy-lens.db';
    try {
      const response = await readyGET();
      assert.equal(response.status, 503);
      const text = await response.text();
      assert.match(text, /^not ready: database did not answer/);
      assert.doesNotMatch(text, /\/dev\/null/);
    } finally {
      process.env.DATABASE_URL = db.url;
    }
  });

  test('/metrics: Prometheus text with ingest totals, running collectors, open findings and route durations', async () => {
    process.env.DATABASE_URL = db.url;
    const traced = await traceGET(new Request('http://localhost/api/trace/nothing-here'), { params: Promise.resolve({ id: 'nothing-here' }) });
    assert.equal(traced.status, 404);
    const response = await metricsGET();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} in\n${text}`);
      return Number(line.slice(series.length + 1));
    };
    assert.equal(value('envoy_lens_database_up'), 1);
    assert.equal(value('envoy_lens_ingest_lines_read_total'), 1010);
    assert.equal(value('envoy_lens_ingest_records_total'), 907);
    assert.equal(value('envoy_lens_ingest_rejected_lines_total'), 61);
    assert.equal(value('envoy_lens_ingest_other_lines_total'), 42);
    assert.equal(value('envoy_lens_ingest_gaps_total'), 2);
    assert.equal(value('envoy_lens_sources'), 2);
    assert.equal(value('envoy_lens_collector_streams_followed{collector="node-1:42"}'), 3);
    assert.equal(value('envoy_lens_collector_lines_per_second{collector="node-1:42"}'), 12.5);
    assert.equal(value('envoy_lens_collector_lag_seconds{collector="node-1:42",quantile="0.5"}'), 0.25);
    assert.equal(value('envoy_lens_collector_lag_seconds{collector="node-1:42",quantile="0.95"}'), 1.5);
    // A status with fields of the wrong shape still counts, with empty values; its id is escaped.
    assert.equal(value('envoy_lens_collector_streams_followed{collector="odd\\"name\\\\"}'), 0);
    assert.equal(value('envoy_lens_collector_streams_waiting{collector="odd\\"name\\\\"}'), 1);
    assert.doesNotMatch(text, /collector_lag_seconds\{collector="odd/, 'no lag when it did not parse');
    assert.doesNotMatch(text, /gone:7|broken/, 'stopped collectors and unreadable statuses are left out');
    assert.equal(value('envoy_lens_findings{severity="error"}'), 2);
    assert.equal(value('envoy_lens_findings{severity="warning"}'), 1);
    assert.equal(value('envoy_lens_findings{severity="info"}'), 0, 'the silenced one is not counted');
    assert.equal(value('envoy_lens_findings_silenced'), 1);
    assert.ok(value('envoy_lens_http_request_duration_seconds_count{route="/api/trace/[id]",method="GET",status="404"}') >= 1);
    for (const name of ['envoy_lens_ingest_lines_read_total', 'envoy_lens_findings', 'envoy_lens_http_request_duration_seconds']) {
      assert.match(text, new RegExp(`^# HELP ${name} \\S`, 'm'));
      assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    assert.ok(text.endsWith('\n'));
  });

  test('/metrics on a database that does not answer: database_up 0, route durations still there', async () => {
    process.env.DATABASE_URL = bare.url;
    try {
      const text = await (await metricsGET()).text();
      assert.match(text, /^envoy_lens_database_up 0$/m);
      assert.doesNotMatch(text, /^envoy_lens_ingest_lines_read_total /m);
      assert.match(text, /^# TYPE envoy_lens_http_request_duration_seconds histogram$/m);
    } finally {
      process.env.DATABASE_URL = db.url;
    }
  });
});
