// The collector against the simulator, one fault at a time. Each test ends with the ground-truth check: every line
// the simulator wrote is stored exactly once, or lies in a gap the collector recorded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SEED_NGINX_POD } from './simulator/scenario/seed-scenario.ts';
import { exactlyOnce, pause, withBench, type Bench } from './testing/collector-bench.ts';

const NGINX = `pods/default/${SEED_NGINX_POD}/containers/envoy`;
const LOG_PATH = `/api/v1/namespaces/default/pods/${SEED_NGINX_POD}/log`;
const ok = (cond: boolean, message: string) => assert.ok(cond, message);

/** Waits until the collector follows a stream and has read lines from it, so a fault hits a reader with a watermark. */
async function following(b: Bench): Promise<void> {
  const end = Date.now() + 10_000;
  while ((b.sim.api.streams.count('log') === 0 || b.collector.status().totals.records === 0) && Date.now() < end) await pause(50);
}

function query<T>(b: Bench, sql: string, ...params: unknown[]): T[] {
  const db = new Database(b.dbFile, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

describe('collector: streams and their faults', () => {
  it('follows the seed Envoy: records attributed to the Service IP; Envoy messages counted, not stored', () =>
    withBench({}, async (b) => {
      await pause(1500);
      const c = await b.settle();
      exactlyOnce(c, ok);
      const kinds = query<{ kind: string; service: string; n: number }>(b, `SELECT upstreamKind kind, upstreamService service, count(*) n FROM AccessRecord WHERE upstreamHost IS NOT NULL GROUP BY 1, 2`);
      assert.deepEqual(kinds.map((k) => [k.kind, k.service]), [['service', 'backend-service']]);
      const st = b.collector.status();
      assert.ok(st.totals.otherLines >= 8, 'the startup messages');
      assert.equal(st.totals.rejected, 0);
      assert.equal(query<{ n: number }>(b, 'SELECT count(*) n FROM RejectedLine')[0]!.n, 0);
    }));

  it('dropped streams (reset, no terminating chunk): resumed from the watermark, nothing lost or doubled', () =>
    withBench({ sim: { rate: 100 } }, async (b) => {
      for (let i = 0; i < 4; i++) {
        await pause(600);
        while (b.sim.api.streams.count('log') === 0) await pause(50);
        assert.equal((await b.control('streams/drop', { kind: 'log' })).affected, 1);
      }
      await pause(1000);
      exactlyOnce(await b.settle(), ok);
      const st = b.collector.status();
      assert.ok(st.totals.streamsOpened >= 5, `${st.totals.streamsOpened} streams`);
      assert.ok(st.totals.resumedOver > 0, 'the resumes re-sent the watermark second and skipped it');
    }));

  it('a stream that brought lines before it was cut is resumed at once, however often it happens', () =>
    withBench({ sim: { rate: 100 } }, async (b) => {
      const reopened: number[] = [];
      for (let i = 0; i < 8; i++) {
        await pause(300);
        while (b.sim.api.streams.count('log') === 0) await pause(10);
        await b.control('streams/drop', { kind: 'log' });
        const cut = Date.now();
        while (b.sim.api.streams.count('log') === 0) await pause(10);
        reopened.push(Date.now() - cut);
      }
      assert.ok(Math.max(...reopened) < 1500, `reconnect delays ${reopened.join(', ')} ms: the back-off must not grow across streams that made progress`);
      exactlyOnce(await b.settle(), ok);
    }));

  it('a stream ended cleanly while the container runs (an idle cut): followed again', () =>
    withBench({}, async (b) => {
      await pause(500);
      await b.control('streams/end', { kind: 'log' });
      await pause(1000);
      exactlyOnce(await b.settle(), ok);
      assert.ok(b.collector.status().totals.streamsOpened >= 2);
    }));

  it('a stalled stream is told from a quiet one by a probe, and replaced', () =>
    withBench({ sim: { rate: 30 } }, async (b) => {
      await pause(500);
      await b.control('streams/stall', { kind: 'log' });
      await pause(3000);
      assert.ok(b.collector.status().totals.stalls >= 1, 'the stall was noticed');
      exactlyOnce(await b.settle(), ok);
      // A quiet container is not a stall.
      const stalls = b.collector.status().totals.stalls;
      await pause(2500);
      assert.equal(b.collector.status().totals.stalls, stalls);
    }));

  it('a stall is caught at a few hundred lines per second too (the probe reads past a busy second)', () =>
    withBench({ sim: { rate: 400 } }, async (b) => {
      await following(b);
      await b.control('streams/stall', { kind: 'log' });
      await pause(3000);
      assert.ok(b.collector.status().totals.stalls >= 1, 'the stall was noticed');
      exactlyOnce(await b.settle(), ok);
    }));

  it('a stalled follow of a pod that is then deleted: the tracker ends, the unread tail is a gap', () =>
    withBench({ sim: { rate: 60, terminationMs: 100 } }, async (b) => {
      await following(b);
      await b.control('streams/stall', { kind: 'log' });
      await pause(300);
      await b.control(`pods/default/${SEED_NGINX_POD}/delete`, { gracePeriodSeconds: 0 });
      await pause(3000);
      const st = b.collector.status();
      assert.ok(!st.containers.some((c) => c.pod === SEED_NGINX_POD), `still tracked: ${JSON.stringify(st.containers)}`);
      const c = await b.settle();
      exactlyOnce(c, ok);
      assert.ok(c.gaps.some((g) => g.reason === 'pod-deleted'));
    }));

  it('a clean end, then an outage, then the pod deleted: the unread tail is a gap, not silently lost', () =>
    withBench({ sim: { rate: 60, terminationMs: 100 } }, async (b) => {
      await following(b);
      await b.control('faults', { pathPrefix: LOG_PATH, code: 500, count: 100_000 });
      await b.control('streams/end', { kind: 'log' });
      await pause(800);
      await b.control(`pods/default/${SEED_NGINX_POD}/delete`, { gracePeriodSeconds: 0 });
      await pause(300);
      await b.control('faults', {}, 'DELETE');
      await pause(1500);
      const c = await b.settle();
      exactlyOnce(c, ok);
      assert.deepEqual(c.gaps.map((g) => g.reason), ['pod-deleted']);
      assert.ok(c.inGaps > 0);
    }));

  it('a line over 16 KiB (partial records) is stored whole, once', () =>
    withBench({}, async (b) => {
      await pause(300);
      const r = await b.control(`${NGINX}/long-line`, { bytes: 40_000 });
      await pause(500);
      exactlyOnce(await b.settle(), ok);
      const [row] = query<{ ua: string }>(b, 'SELECT userAgent ua FROM AccessRecord WHERE requestId = ?', r.requestId);
      assert.ok(row && row.ua.length > 40_000 && /x+$/.test(row.ua), 'the user agent came back whole');
    }));
});

describe('collector: container lifecycle', () => {
  it('restarts: each instance is read to its end, then the next one; nothing lost across them', () =>
    withBench({ sim: { rate: 60 } }, async (b) => {
      await pause(700);
      await b.control(`${NGINX}/restart`);
      await pause(700);
      await b.control(`${NGINX}/restart`, { exitCode: 137 });
      await pause(700);
      exactlyOnce(await b.settle(), ok);
      const sources = query<{ containerId: string; finished: number }>(b, `SELECT s.containerId, c.finished FROM Source s JOIN IngestCheckpoint c ON c.sourceId = s.id ORDER BY s.id`);
      assert.deepEqual(sources.map((s) => s.finished), [1, 1, 0]);
      assert.equal(query(b, 'SELECT * FROM IngestGap').length, 0);
    }));

  it('a crash loop: the old instance served again during back-off is not read twice', () =>
    withBench({ sim: { rate: 60 } }, async (b) => {
      await pause(600);
      await b.control(`${NGINX}/restart`, { crashLoop: { times: 2, backoffMs: 400 } });
      await pause(3500);
      exactlyOnce(await b.settle(), ok);
      assert.ok(query(b, `SELECT * FROM Source WHERE kind = 'pod'`).length >= 3);
    }));

  it('two restarts while the collector cannot reach the logs: the lost instance is a recorded gap', () =>
    withBench({ sim: { rate: 60 } }, async (b) => {
      await following(b);
      await pause(300);
      await b.control('faults', { pathPrefix: LOG_PATH, code: 500, count: 100_000 });
      await b.control('streams/drop', { kind: 'log' });
      await pause(400);
      await b.control(`${NGINX}/restart`);
      await pause(400);
      await b.control(`${NGINX}/restart`);
      await pause(400);
      await b.control('faults', {}, 'DELETE');
      await pause(1500);
      const c = await b.settle();
      exactlyOnce(c, ok);
      assert.ok(c.inGaps > 0, 'lines of the unreachable instance lie in the gap');
      assert.deepEqual(c.gaps.map((g) => g.reason), ['instance-unreachable']);
    }));

  it('rotation while disconnected: the rotated-away lines are a recorded gap, the rest is read', () =>
    withBench({ sim: { rate: 60 } }, async (b) => {
      await following(b);
      await pause(300);
      await b.control('faults', { pathPrefix: LOG_PATH, code: 500, count: 100_000 });
      await b.control('streams/drop', { kind: 'log' });
      await pause(500);
      await b.control(`${NGINX}/rotate`);
      await pause(500);
      await b.control('faults', {}, 'DELETE');
      await pause(1500);
      const c = await b.settle();
      exactlyOnce(c, ok);
      assert.ok(c.inGaps > 10, `${c.inGaps} lines in the gap`);
      assert.deepEqual(c.gaps.map((g) => g.reason), ['rotated']);
    }));

  it('pod churn with IP reuse: upstreams are attributed to the pod that held the IP at the time', () =>
    withBench({ sim: { rate: 60, ipReuseDelayMs: 0, scenario: { name: 'seed', variant: 'headless' } } }, async (b) => {
      await pause(800);
      const first = (await b.control('workloads/default/backend/churn')).deleted as string; // .81 goes, .83 comes
      await pause(800);
      await b.control('workloads/default/backend/churn'); // .82 goes; .81 is free again: the new pod gets it
      const reuser = b.sim.pods().find((p) => p.ip === '10.244.0.81' && p.name !== first)!;
      assert.ok(reuser, 'a new pod holds 10.244.0.81');
      await pause(7000);
      exactlyOnce(await b.settle(), ok);
      const rows = query<{ t: number; pod: string | null; amb: number }>(b, `SELECT startTime t, upstreamPod pod, upstreamAmbiguous amb FROM AccessRecord WHERE upstreamIp = '10.244.0.81' ORDER BY startTime`);
      const pods = new Set(rows.map((r) => r.pod));
      assert.ok(pods.has(first) && pods.has(reuser.name), `both holders named: ${[...pods].join(', ')}`);
      // Well before the hand-over the first holder, well after it the new one; near it marked ambiguous.
      const handover = rows.find((r) => r.pod === reuser.name)!.t;
      for (const r of rows) {
        if (r.t < handover - 11_000) assert.equal(r.pod, first);
        if (r.t > handover + 11_000) assert.equal(r.pod, reuser.name);
      }
      assert.ok(rows.some((r) => r.amb === 1), 'records near the hand-over are ambiguous');
      const history = query<{ pod: string; toTime: number | null }>(b, `SELECT pod, toTime FROM PodIp WHERE ip = '10.244.0.81' ORDER BY fromTime`);
      assert.deepEqual(history.map((h) => [h.pod, h.toTime === null]), [[first, false], [reuser.name, true]]);
    }));

  it('a new Envoy pod is found (after a forced 410 relist) and followed; a deleted one is read to its end', () =>
    withBench({ sim: { rate: 60 } }, async (b) => {
      await pause(500);
      await b.control('watches/expire', { next: 10, compact: true });
      await b.control('streams/end', { kind: 'watch' });
      await b.control('workloads/default/nginx-test/scale', { replicas: 2 });
      await pause(2500);
      const st = b.collector.status();
      assert.equal(st.followed, 2, JSON.stringify(st.containers));
      assert.ok(st.watches.some((w) => w.expired > 0), 'a watch was told 410 and relisted');
      await b.control('workloads/default/nginx-test/churn');
      await pause(2000);
      exactlyOnce(await b.settle(), ok);
      assert.equal(query(b, 'SELECT * FROM IngestGap').length, 0);
    }));
});

describe('collector: API faults, formats, limits', () => {
  it('500 and 429 from the API on lists, watches and logs: retried with backoff, nothing lost', () =>
    withBench({ sim: { rate: 60 } }, async (b) => {
      await pause(400);
      await b.control('faults', { pathPrefix: '/api/v1/namespaces/default/pods', code: 429, count: 3, retryAfterSeconds: 1 });
      await b.control('faults', { pathPrefix: '/api/v1/pods', code: 500, count: 4 });
      await b.control('streams/drop', { kind: 'log' });
      await b.control('streams/end', { kind: 'watch' });
      await pause(6000);
      assert.equal(b.sim.faults.pending().rules.length, 0, 'every injected failure was met');
      exactlyOnce(await b.settle(), ok);
      const errors = b.collector.status().errors;
      assert.ok(Object.values(errors).reduce((a, n) => a + n, 0) > 0, 'the failures were counted');
    }));

  it('a format change in the ConfigMap applies to the lines written after it', () =>
    withBench({ sim: { rate: 60 } }, async (b) => {
      await pause(600);
      const cm = b.sim.store.get('configmaps', 'default', 'envoy-config')!;
      const yaml = (cm.data as Record<string, string>)['envoy.yaml']!;
      const json = yaml.replace(/text_format: .*\n/, 'json_format: { time: "%START_TIME%", id: "%REQ(X-REQUEST-ID)%", status: "%RESPONSE_CODE%", upstream: "%UPSTREAM_HOST%", flags: "%RESPONSE_FLAGS%" }\n');
      assert.notEqual(json, yaml);
      b.sim.store.update({ ...cm, data: { 'envoy.yaml': json }, metadata: { ...cm.metadata, resourceVersion: undefined } });
      await pause(1200);
      exactlyOnce(await b.settle(), ok);
      assert.equal(b.collector.status().totals.rejected, 0);
      const extra = query<{ x: string | null }>(b, `SELECT extraJson x FROM AccessRecord ORDER BY id DESC LIMIT 1`);
      assert.equal(extra[0]!.x, null, 'the JSON lines map to columns');
    }));

  it('the larger scenario: a ClusterIP leak, pod upstreams, and callers of the per-node Envoy resolved to their pods', () =>
    withBench({ sim: { rate: 60, scenario: { name: 'large' } } }, async (b) => {
      await pause(3000);
      exactlyOnce(await b.settle(), ok);
      const orders = query<{ kind: string; service: string | null; ns: string | null }>(b,
        `SELECT r.upstreamKind kind, r.upstreamService service, r.upstreamNamespace ns FROM AccessRecord r JOIN Source s ON s.id = r.sourceId
         WHERE s.pod LIKE 'orders-%' AND r.upstreamHost IS NOT NULL GROUP BY 1, 2, 3`);
      assert.deepEqual(orders, [{ kind: 'service', service: 'payments', ns: 'payments' }], 'orders leaks to the payments ClusterIP');
      const frontend = query<{ kind: string; pod: string }>(b,
        `SELECT r.upstreamKind kind, r.upstreamPod pod FROM AccessRecord r JOIN Source s ON s.id = r.sourceId WHERE s.pod LIKE 'frontend-%' AND r.upstreamHost IS NOT NULL`);
      assert.ok(frontend.length > 0 && frontend.every((r) => r.kind === 'pod' && r.pod.startsWith('orders-')), 'frontend balances over orders pods');
      const callers = query<{ ip: string; kind: string; pod: string | null; proxy: string }>(b,
        `SELECT r.downstreamRemoteIp ip, r.downstreamKind kind, r.downstreamPod pod, s.pod proxy FROM AccessRecord r JOIN Source s ON s.id = r.sourceId WHERE s.pod LIKE 'node-proxy-%'`);
      assert.ok(callers.length > 20);
      const podsByIp = new Map(b.sim.pods().map((p) => [p.ip, p]));
      for (const c of callers) {
        const caller = podsByIp.get(c.ip);
        assert.equal(c.kind, 'pod');
        assert.equal(c.pod, caller?.name, `${c.ip} is ${caller?.name}`);
        assert.equal(caller?.node, b.sim.pods().find((p) => p.name === c.proxy)?.node, 'a node-local caller');
      }
    }));

  it('a pod deleted while it waited for a stream slot is a recorded gap', () =>
    withBench({ sim: { rate: 60, terminationMs: 100 }, collector: { maxStreams: 1 } }, async (b) => {
      await following(b);
      await b.control('workloads/default/nginx-test/scale', { replicas: 2 });
      await pause(1000);
      assert.equal(b.collector.status().waiting.length, 1);
      // Scaling down deletes the newest pod: the one waiting.
      await b.control('workloads/default/nginx-test/scale', { replicas: 1 });
      await pause(1000);
      const c = await b.settle();
      exactlyOnce(c, ok);
      assert.deepEqual(c.gaps.map((g) => g.reason), ['not-followed']);
      assert.equal(b.collector.status().waiting.length, 0);
    }));

  it('a cap on followed containers: the rest wait and are reported, none silently left out', () =>
    withBench({ sim: { rate: 80, scenario: { name: 'large' } }, collector: { maxStreams: 5 } }, async (b) => {
      await pause(1500);
      const st = b.collector.status();
      assert.equal(st.followed, 5);
      assert.equal(st.waiting.length, 15);
      assert.ok(b.sim.api.streams.count('log') <= 5);
    }));
});
