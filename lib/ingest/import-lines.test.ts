// Import into a real SQLite database through the store's hot path, read back through Prisma.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { compileFormat } from '../envoy/compile-format.ts';
import { SEED_FORMAT } from '../envoy/default-formats.ts';
import { seedLogLines } from '../sample/seed-log.ts';
import { openIngestStore, type IngestStore } from '../store/ingest-store.ts';
import { disconnectAll, prismaClientFor } from '../store/prisma-client.ts';
import { iterateRecords } from '../store/queries/records.ts';
import { tempSqliteDatabase, type TempDatabase } from '../testing/temp-database.ts';
import { importLines, SourceConflictError } from './import-lines.ts';
import { readLineBatches } from './read-lines.ts';

const format = compileFormat({ type: 'text', text: SEED_FORMAT });
const source = { kind: 'file' as const, namespace: 'default', pod: 'nginx-test', container: 'envoy', format: SEED_FORMAT };

function batchesOf(lines: string[]) {
  return readLineBatches(Readable.from([Buffer.from(lines.join('\n') + '\n')]));
}

describe('importLines into SQLite', () => {
  let db: TempDatabase;
  let store: IngestStore;
  before(async () => {
    db = tempSqliteDatabase();
    store = await openIngestStore(db.url);
  });
  after(async () => {
    await store.close();
    await disconnectAll();
    db.remove();
  });

  const lines = [...seedLogLines(3000, { seed: 11, hostileShare: 0.01 })];
  const requestIds = lines.map((l) => l.split(' ')[7]!);

  test('stores every line once, then a re-import adds nothing', async () => {
    const first = await importLines(batchesOf(lines), { store, format, source, batchSize: 700 });
    assert.equal(first.lines, 3000);
    assert.equal(first.records + first.rejected, 3000);
    const second = await importLines(batchesOf(lines), { store, format, source });
    assert.deepEqual([second.skipped, second.records, second.rejected], [3000, 0, 0]);
    const stored = [];
    for await (const r of iterateRecords(await prismaClientFor(db.url), {})) stored.push(r);
    assert.equal(stored.length, first.records);
    const ids = stored.map((r) => r.requestId).filter((id) => id !== null);
    assert.equal(new Set(ids).size, ids.length, 'no request id is stored twice');
    // Hostile User-Agents with `" "` make the unquoted request id before them ambiguous: kept null, never shifted.
    for (const r of stored) {
      if (r.requestId !== null) assert.equal(r.requestId, requestIds[r.line - 1]);
      else assert.ok(r.ambiguousFields?.includes('REQ(X-REQUEST-ID)'));
    }
    assert.ok(ids.length >= 2900);
  });

  test('a grown file adds only its new lines', async () => {
    const more = [...seedLogLines(3500, { seed: 11, hostileShare: 0.01 })];
    assert.deepEqual(more.slice(0, 3000), lines, 'the generator is prefix-stable');
    const grown = await importLines(batchesOf(more), { store, format, source });
    assert.equal(grown.skipped, 3000);
    assert.equal(grown.records + grown.rejected, 500);
  });

  test('refuses a different file that starts with the same line instead of skipping its lines', async () => {
    const other = [lines[0]!, ...seedLogLines(3999, { seed: 99 })];
    await assert.rejects(importLines(batchesOf(other), { store, format, source }), SourceConflictError);
    const named = await importLines(batchesOf(other), { store, format, source: { ...source, key: 'file:as:other' } });
    assert.equal(named.records + named.rejected, 4000);
  });

  test('keeps rejected lines with reason, column and raw text, and counts ambiguous ones', async () => {
    const bad = 'this is not an access log line';
    // The User-Agent holds `" "`, so two splits make the whole line match: agent and forwarded-for are ambiguous.
    const ambiguous = '[2025-12-16T10:05:56.365Z] "GET /t HTTP/1.1" 200 40 1 rid-amb "a" "b" "-" 10.244.0.81:10000 app_service -';
    const summary = await importLines(batchesOf([bad, ambiguous]), { store, format, source: { ...source, key: 'file:as:bad' } });
    assert.deepEqual([summary.records, summary.rejected, summary.ambiguous], [1, 1, 1]);
    const prisma = await prismaClientFor(db.url);
    const rejected = await prisma.rejectedLine.findFirstOrThrow({ where: { raw: bad } });
    assert.match(rejected.reason, /does not start with "\["/);
    assert.equal(rejected.column, 1);
    const stored = await prisma.accessRecord.findFirstOrThrow({ where: { source: { key: 'file:as:bad' } } });
    assert.equal(stored.seq, 2);
    assert.equal(stored.status, 200);
    assert.equal(stored.requestId, null);
    assert.equal(stored.upstreamHost, '10.244.0.81:10000');
    assert.ok(stored.ambiguousFields?.includes('REQ(USER-AGENT)'));
    const checkpoint = await prisma.ingestCheckpoint.findUniqueOrThrow({ where: { sourceId: stored.sourceId } });
    assert.deepEqual([checkpoint.records, checkpoint.rejected, checkpoint.ambiguous, checkpoint.linesRead], [1, 1, 1, 2]);
  });
});
