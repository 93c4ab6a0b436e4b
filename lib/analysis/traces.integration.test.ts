// Records of one request read back from a real, migrated SQLite database, then built into a trace.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTrace } from './traces.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { tempSqliteDatabase, type TempDatabase } from '../testing/temp-database.ts';
import { deployMigrations } from '../store/migrate.ts';
import { disconnectAll, prismaClientFor } from '../store/prisma-client.ts';
import { clampTraceLimit, searchRequestIds, traceRecords, TRACE_LIMIT_MAX } from '../store/queries/trace-records.ts';

const T0 = Date.UTC(2025, 11, 16, 10, 5, 56, 100);
const CHAIN = 'trace-42';

describe('trace records from SQLite', () => {
  let db: TempDatabase;
  let prisma: PrismaClient;
  const ids: Record<string, number> = {};

  before(async () => {
    db = tempSqliteDatabase('trace-records');
    await deployMigrations(db.url);
    prisma = await prismaClientFor(db.url);
    const source = (pod: string) =>
      prisma.source.create({ data: { key: `pod:uid-${pod}/envoy/c1`, kind: 'pod', namespace: 'shop', pod, container: 'envoy', format: 'text' } });
    const [frontend, api, db_] = [await source('frontend'), await source('api'), await source('db')];
    let seq = 0;
    const record = async (sourceId: number, requestId: string, offsetMs: number, durationMs: number, over: Record<string, unknown> = {}) => {
      const row = await prisma.accessRecord.create({
        data: {
          sourceId, seq: ++seq, requestId, startTime: new Date(T0 + offsetMs), durationMs, method: 'GET', path: '/checkout', status: 200,
          upstreamKind: 'pod', upstreamNamespace: 'shop', ...over,
        },
      });
      return row.id;
    };
    // Stored out of order on purpose: the query and the trace put them in order.
    ids.db = await record(db_.id, CHAIN, 30, 30, { upstreamHost: '127.0.0.1:5432', upstreamIp: '127.0.0.1', upstreamPod: 'db', upstreamCluster: 'inbound_db', downstreamPod: 'api' });
    ids.frontend = await record(frontend.id, CHAIN, 0, 120, { upstreamHost: '10.244.0.21:8080', upstreamIp: '10.244.0.21', upstreamPod: 'api', upstreamCluster: 'api', upstreamServiceTimeMs: 110, startTimeNanos: 250_000 });
    ids.api = await record(api.id, CHAIN, 20, 80, { upstreamHost: '10.244.0.31:5432', upstreamIp: '10.244.0.31', upstreamPod: 'db', upstreamCluster: 'db', downstreamRemoteIp: '10.244.0.11', downstreamPod: 'frontend' });
    ids.other = await record(frontend.id, 'trace-42-other', 5_000, 7, { upstreamPod: 'api', upstreamCluster: 'api' });
    await record(frontend.id, 'trace_%x', 1_000, 1);
    await record(frontend.id, 'traceZZx', 2_000, 1);
    await record(frontend.id, 'TRACE-49', 3_000, 1);
    await record(frontend.id, `x' OR '1'='1`, 4_000, 1);
    await record(frontend.id, '%top', 500, 1);
  });
  after(async () => {
    await disconnectAll();
    db.remove();
  });

  test('all records of exactly one request id, oldest first, with their source pod', async () => {
    const records = await traceRecords(prisma, CHAIN, 100);
    assert.deepEqual(records.map((r) => r.id), [ids.frontend, ids.api, ids.db]);
    const front = records[0]!;
    assert.deepEqual(front.source, { namespace: 'shop', pod: 'frontend', container: 'envoy' });
    assert.deepEqual([front.requestId, front.startTimeMs, front.startTimeNanos, front.durationMs, front.upstreamServiceTimeMs], [CHAIN, T0, 250_000, 120, 110]);
    assert.deepEqual([front.upstreamKind, front.upstreamPod, front.upstreamCluster, front.upstreamHost], ['pod', 'api', 'api', '10.244.0.21:8080']);
    assert.deepEqual([records[1]!.downstreamPod, records[1]!.downstreamRemoteIp], ['frontend', '10.244.0.11']);
    assert.deepEqual(await traceRecords(prisma, 'trace-4', 100), [], 'an id is matched whole, not as a prefix');
    assert.deepEqual((await traceRecords(prisma, `x' OR '1'='1`)).length, 1, 'a hostile id is just a value');
    assert.equal((await traceRecords(prisma, CHAIN, 1)).length, 1);
    await assert.rejects(traceRecords(prisma, ''), RangeError);
  });

  test('the stored chain builds into frontend → api → db, parents by upstream pod, with hop latencies', async () => {
    const trace = buildTrace(await traceRecords(prisma, CHAIN));
    assert.equal(trace.requestId, CHAIN);
    assert.deepEqual(trace.hops.map((h) => h.record.source.pod), ['frontend', 'api', 'db']);
    assert.deepEqual(trace.hops.map((h) => [h.parentId, h.parentBy]), [[null, null], [ids.frontend, 'upstream-pod'], [ids.api, 'upstream-pod']]);
    assert.deepEqual(trace.hops.map((h) => h.latencyMs), [120, 80, 30]);
    assert.deepEqual(trace.hops.map((h) => h.gapFromParentMs), [null, 20 - 0.25, 10]);
    assert.deepEqual([trace.spanMs, trace.maxDepth, trace.criticalPathDepth], [120, 3, 3]);
  });

  test('prefix search lists distinct ids, newest first, with hop counts and first times', async () => {
    const matches = await searchRequestIds(prisma, 'trace-4', 50);
    assert.deepEqual(matches, [
      { requestId: 'trace-42-other', hops: 1, firstMs: T0 + 5_000, lastMs: T0 + 5_000 },
      { requestId: CHAIN, hops: 3, firstMs: T0, lastMs: T0 + 30 },
    ]);
    assert.deepEqual((await searchRequestIds(prisma, 'trace-4', 1)).map((m) => m.requestId), ['trace-42-other']);
  });

  test('% and _ in a prefix match themselves; the match is exact, case and all; an empty prefix is refused', async () => {
    assert.deepEqual((await searchRequestIds(prisma, 'trace_%', 50)).map((m) => m.requestId), ['trace_%x']);
    // Newer ids that only a LIKE wildcard would match do not use up the limit.
    assert.deepEqual((await searchRequestIds(prisma, 'trace_%', 1)).map((m) => m.requestId), ['trace_%x']);
    assert.deepEqual((await searchRequestIds(prisma, '%', 1)).map((m) => m.requestId), ['%top']);
    assert.deepEqual(await searchRequestIds(prisma, '_', 50), []);
    assert.deepEqual((await searchRequestIds(prisma, 'TRACE-', 50)).map((m) => m.requestId), ['TRACE-49']);
    assert.deepEqual((await searchRequestIds(prisma, `x' OR`, 50)).map((m) => m.requestId), [`x' OR '1'='1`]);
    await assert.rejects(searchRequestIds(prisma, ''), RangeError);
  });

  test('limits are clamped to 1..500', () => {
    assert.deepEqual([clampTraceLimit(0), clampTraceLimit(-5), clampTraceLimit(10_000), clampTraceLimit(7.9), clampTraceLimit(Number.NaN) > 0],
      [1, 1, TRACE_LIMIT_MAX, 7, true]);
  });
});
