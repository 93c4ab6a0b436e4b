// The Requests page's data on every database: records newest start first, paged by (start time, id) to the end, with
// totals from the rollups (exact) or counted up to the cap (paths), and records without a start time after the timed
// ones when the filter has no window.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccessRecord } from '../envoy/access-record.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { openCollectorStore } from '../store/collector-store.ts';
import { disconnectAll, prismaClientFor } from '../store/prisma-client.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import type { TimeCursor } from '../store/queries/records-by-time.ts';
import type { Attribution } from '../store/ingest-store.ts';
import { testBackends, type TestDatabase } from '../testing/test-databases.ts';
import { REQUESTS_PAGE_SIZE, REQUESTS_TOTAL_CAP, requestsPageData } from './requests-page-data.ts';
import { formatTimeCursor, timeCursorSchema } from './time-cursor.ts';

const empty: AccessRecord = {
  startTime: null, startTimeNanos: null, method: 'GET', path: null, protocol: null, status: null, bytesReceived: null,
  bytesSent: null, durationMs: 3, upstreamServiceTimeMs: null, requestId: null, userAgent: null, forwardedFor: null,
  authority: null, upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: 'backend', responseFlags: null,
  downstreamRemoteIp: null, ambiguousFields: null, extra: null,
};
const T0 = Date.UTC(2026, 10, 30, 6, 0, 0);
const HOUR = 3_600_000;
const attribution = (pod: string): Attribution => ({
  upstreamKind: 'pod', upstreamNamespace: 'shop', upstreamPod: pod, upstreamService: null, upstreamAmbiguous: false,
  downstreamKind: null, downstreamNamespace: null, downstreamPod: null,
});

interface Row { id: number; startMs: number | null; status: number | null; path: string | null; pod: string | null }

for (const backend of testBackends) {
  describe(backend.kind, () => {
    let db: TestDatabase;
    let prisma: PrismaClient;
    let rows: Row[];
    before(async () => {
      db = await backend.create({ name: 'requests-page' });
      process.env.DATABASE_URL = db.url; // the page reads its rollups through loadSettings()
      const store = await openCollectorStore(db.url);
      const { sourceId } = await store.openSource({ key: 'k', kind: 'pod', namespace: 'shop', pod: 'web', container: 'envoy', containerId: 'containerd://a', format: 'f' });
      // 1,300 records over five hours, several sharing a millisecond; every 9th a 503; one upstream seen only in the
      // first hour; a path prefix on 1,100 of them; written in shuffled batches so ids do not follow start times.
      const made = Array.from({ length: 1300 }, (_, i) => {
        const startTime = T0 + Math.floor(i / 3) * Math.floor((5 * HOUR) / 434);
        const pod = i < 40 ? 'rare-pod' : `api-${i % 3}`;
        return { record: { ...empty, startTime, status: i % 9 === 0 ? 503 : 200, path: i % 13 === 0 ? `/other/${i}` : `/api/items/${i}`, upstreamIp: '10.0.0.1' }, attribution: attribution(pod) };
      });
      const order = made.map((_, i) => i).sort((a, b) => ((a * 7919) % 1300) - ((b * 7919) % 1300));
      let seq = 0;
      for (let b = 0; b < order.length; b += 200) {
        const records = order.slice(b, b + 200).map((i) => ({ seq: ++seq, record: made[i]!.record, attribution: made[i]!.attribution }));
        await store.writeBatch(sourceId, { records, rejects: [], checkpoint: { linesRead: seq, bytesRead: seq, fingerprint: null, watermark: null, watermarkCount: 0 } });
      }
      // Three records without a start time.
      const untimed = [1, 2, 3].map((k) => ({ seq: ++seq, record: { ...empty, status: 200, path: `/untimed/${k}` }, attribution: attribution('api-0') }));
      await store.writeBatch(sourceId, { records: untimed, rejects: [], checkpoint: { linesRead: seq, bytesRead: seq, fingerprint: null, watermark: null, watermarkCount: 0 } });
      await store.close();
      prisma = await prismaClientFor(db.url);
      rows = (await prisma.accessRecord.findMany({ select: { id: true, startTime: true, status: true, path: true, upstreamPod: true } }))
        .map((r) => ({ id: r.id, startMs: r.startTime?.getTime() ?? null, status: r.status, path: r.path, pod: r.upstreamPod }));
    });
    after(async () => {
      await disconnectAll();
      await db?.remove();
    });

    /** Every page of the filter, following the Older cursor; the totals each page reported. */
    async function walk(filter: RecordFilter, o: { stretchRecords?: number; searchMs?: number; stretches?: { fromMs: number; toMs: number }[] } = {}) {
      const ids: number[] = [];
      const totals = new Set<string>();
      let before: TimeCursor | undefined;
      for (let pages = 0; pages < 50; pages++) {
        const data = await requestsPageData(prisma, filter, before, { ...(o.stretchRecords ? { stretchRecords: o.stretchRecords } : {}), ...(o.searchMs !== undefined ? { searchMs: o.searchMs } : {}) });
        assert.ok(data);
        assert.ok(data.page.records.length <= REQUESTS_PAGE_SIZE);
        ids.push(...data.page.records.map((r) => r.id));
        totals.add(`${data.page.total}${data.page.totalCapped ? '+' : ''}`);
        if (data.page.searched) o.stretches?.push(data.page.searched);
        if (!data.page.next) return { ids, totals: [...totals] };
        // A page stops short only where its search did (a bounded stretch).
        if (!data.page.searched) assert.equal(data.page.records.length, REQUESTS_PAGE_SIZE, 'only the last page is short');
        // Through the Older link's text and back, as the page reads it.
        before = timeCursorSchema.parse(formatTimeCursor(data.page.next));
      }
      throw new Error('more than 50 pages');
    }
    /** What the page should list: newest start first, ties by newest id, untimed last (newest id first). */
    const expected = (keep: (r: Row) => boolean) =>
      rows.filter(keep).sort((a, b) => (b.startMs ?? -Infinity) - (a.startMs ?? -Infinity) || b.id - a.id).map((r) => r.id);
    const inWindow = (f: { since: number; until: number }) => (r: Row) => r.startMs !== null && r.startMs >= f.since && r.startMs < f.until;

    test('a window: every record once, newest start first, ties by id; the exact total from the rollups', async () => {
      const window = { since: T0 + 7 * 60_000 + 123, until: T0 + 4 * HOUR + 31 * 60_000 };
      const want = expected(inWindow(window));
      assert.ok(want.length > 1000);
      const { ids, totals } = await walk(window);
      assert.deepEqual(ids, want);
      assert.deepEqual(totals, [String(want.length)]);
    });

    test('a status class and an upstream seen only in the oldest hour: found through the rollups, totals exact', async () => {
      const window = { since: T0 - HOUR, until: T0 + 6 * HOUR };
      const failed = await walk({ ...window, statusClass: 5 });
      const want = expected((r) => inWindow(window)(r) && r.status === 503);
      assert.deepEqual(failed.ids, want);
      assert.deepEqual(failed.totals, [String(want.length)]);
      const rare = await walk({ ...window, upstream: 'rare-pod' });
      assert.deepEqual(rare.ids, expected((r) => r.pod === 'rare-pod'));
      assert.deepEqual(rare.totals, ['40']);
      assert.deepEqual(await walk({ ...window, statusClass: 1 }), { ids: [], totals: ['0'] });
    });

    test('no window: the timed records, then those without a start time', async () => {
      const { ids, totals } = await walk({});
      const want = expected(() => true);
      assert.deepEqual(ids, want);
      assert.deepEqual(ids.slice(-3).map((id) => rows.find((r) => r.id === id)!.path), ['/untimed/3', '/untimed/2', '/untimed/1']);
      assert.deepEqual(totals, [String(rows.length)]);
    });

    test('a path prefix (not in the rollups): counted up to the cap, paged alike; a rare one is quick to say so', async () => {
      const window = { since: T0 - HOUR, until: T0 + 6 * HOUR };
      const api = await walk({ ...window, pathPrefix: '/api/' });
      assert.deepEqual(api.ids, expected((r) => inWindow(window)(r) && r.path!.startsWith('/api/')));
      assert.deepEqual(api.totals, [`${REQUESTS_TOTAL_CAP}+`]);
      const other = await walk({ ...window, pathPrefix: '/other/' });
      assert.deepEqual(other.ids, expected((r) => inWindow(window)(r) && r.path!.startsWith('/other/')));
      assert.deepEqual(other.totals, [String(other.ids.length)]);
      assert.deepEqual(await walk({ ...window, pathPrefix: '/nowhere' }), { ids: [], totals: ['0'] });
    });

    test('a path over a window holding more than a stretch: searched a stretch at a time, every match once', async () => {
      const window = { since: T0 - HOUR, until: T0 + 6 * HOUR };
      const perHour = (from: number, to: number) => rows.filter((r) => r.startMs !== null && r.startMs >= from && r.startMs < to).length;
      const stretches: { fromMs: number; toMs: number }[] = [];
      const other = await walk({ ...window, pathPrefix: '/other/' }, { stretchRecords: 300, searchMs: 0, stretches });
      assert.deepEqual(other.ids, expected((r) => inWindow(window)(r) && r.path!.startsWith('/other/')));
      // Stretches run down the window without gaps, each ending (going down) with the hour that reached the budget.
      assert.ok(stretches.length >= 3, `${stretches.length} stretches`);
      assert.equal(stretches[0]!.toMs, window.until);
      assert.equal(stretches.at(-1)!.fromMs, window.since);
      for (const [k, st] of stretches.entries()) {
        if (k > 0) assert.equal(st.toMs, stretches[k - 1]!.fromMs);
        assert.ok(perHour(st.fromMs + HOUR, st.toMs) < 300, JSON.stringify(st));
      }
      // Nothing matches: each request still searches at most its stretch, and the walk ends at the window's start.
      const none: { fromMs: number; toMs: number }[] = [];
      assert.deepEqual(await walk({ ...window, pathPrefix: '/nowhere' }, { stretchRecords: 300, searchMs: 0, stretches: none }), { ids: [], totals: ['0'] });
      assert.deepEqual(none.map((st) => [st.fromMs, st.toMs]), stretches.map((st) => [st.fromMs, st.toMs]));
      // A common path fills its pages inside each stretch; every record still comes once.
      const api = await walk({ ...window, pathPrefix: '/api/' }, { stretchRecords: 300, searchMs: 0 });
      assert.deepEqual(api.ids, expected((r) => inWindow(window)(r) && r.path!.startsWith('/api/')));
      // Given time, one request searches on through stretches until its page fills or the window ends.
      const patient: { fromMs: number; toMs: number }[] = [];
      assert.deepEqual(await walk({ ...window, pathPrefix: '/nowhere' }, { stretchRecords: 300, searchMs: 60_000, stretches: patient }), { ids: [], totals: ['0'] });
      assert.deepEqual(patient, [{ fromMs: window.since, toMs: window.until }]);
      // A window within one stretch: one search of it, as before.
      const whole: { fromMs: number; toMs: number }[] = [];
      assert.deepEqual((await walk({ ...window, pathPrefix: '/other/' }, { stretchRecords: 5000, stretches: whole })).ids, other.ids);
      assert.deepEqual(whole, []);
    });
  });
}
