// Several collectors writing to one SQLite database at the same time, on the simulator: every line the Envoys wrote is
// stored exactly once whether the collectors overlap (all follow every pod, restart, start at different points) or
// split the cluster by node (the DaemonSet way, spec.nodeName field selectors). The checkpoint counters stay equal to
// the rows actually stored, and no collector records a gap another one's lines fill.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openCollectorStore, type CollectorStore } from '../store/collector-store.ts';
import { Collector, type CollectorOptions } from './collector.ts';
import { KubeClient } from './kube-client.ts';
import { SEED_NGINX_POD } from './simulator/scenario/seed-scenario.ts';
import { Simulation, type SimulationOptions } from './simulator/simulation.ts';
import { fastCollector, pause } from './testing/collector-bench.ts';
import { compareWithStore, describeComparison, writtenAccessLines, type Comparison } from './testing/ground-truth.ts';

const NGINX = `pods/default/${SEED_NGINX_POD}/containers/envoy`;

interface Running {
  id: string;
  store: CollectorStore;
  collector: Collector;
}

interface Bench {
  sim: Simulation;
  dbFile: string;
  url: string;
  start(id: string, extra?: Partial<CollectorOptions>): Promise<Running>;
  /** Stops a collector, committing what it read. */
  stop(r: Running): Promise<void>;
  /** Stops a collector and starts it again under the same id, as a restarted pod would. */
  restart(r: Running, extra?: Partial<CollectorOptions>): Promise<Running>;
  control(route: string, body?: unknown): Promise<any>;
  settle(): Promise<Comparison>;
  query<T>(sql: string, ...params: unknown[]): T[];
}

async function withCollectors(simOptions: SimulationOptions, run: (b: Bench) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-multi-'));
  const dbFile = path.join(dir, 'shared.db');
  const url = `file:${dbFile}`;
  const sim = await Simulation.start({ rate: 80, terminationMs: 300, crashBackoffMs: 500, bookmarkIntervalMs: 1000, ...simOptions });
  const running = new Set<Running>();
  const start = async (id: string, extra: Partial<CollectorOptions> = {}) => {
    // Each collector has its own connection, as separate processes would.
    const store = await openCollectorStore(url);
    const collector = await Collector.start({ client: KubeClient.fromString(sim.kubeconfig()), store, id, ...fastCollector, ...extra });
    const r = { id, store, collector };
    running.add(r);
    return r;
  };
  const stop = async (r: Running) => {
    running.delete(r);
    await r.collector.stop();
    await r.store.close();
  };
  const control = async (route: string, body: unknown = {}) => {
    const res = await fetch(`${sim.url}/_sim/${route}`, { method: 'POST', body: JSON.stringify(body) });
    const answer = (await res.json()) as any;
    if (!res.ok) throw new Error(`control ${route}: ${res.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  try {
    await run({
      sim, dbFile, url, start, stop, control,
      restart: async (r, extra) => {
        await stop(r);
        return start(r.id, extra);
      },
      settle: async () => {
        await control('traffic', { paused: true });
        let c = compareWithStore(sim, dbFile);
        for (let end = Date.now() + 20_000; (c.missing.length > 0 || c.duplicated.length > 0) && Date.now() < end; c = compareWithStore(sim, dbFile)) await pause(200);
        // Let every collector commit what it still holds (a late duplicate would show now).
        await pause(500);
        return compareWithStore(sim, dbFile);
      },
      query: <T>(sql: string, ...params: unknown[]) => {
        const db = new Database(dbFile, { readonly: true });
        try {
          return db.prepare(sql).all(...params) as T[];
        } finally {
          db.close();
        }
      },
    });
  } finally {
    for (const r of [...running]) await stop(r);
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function exactlyOnce(c: Comparison): void {
  assert.ok(c.missing.length === 0 && c.duplicated.length === 0 && c.unexpected.length === 0 && c.written > 0 && c.inGaps === 0, describeComparison(c));
}

/** Each source's checkpoint counts exactly the rows stored under it. */
function countersMatchRows(b: Bench): void {
  const rows = b.query<{ key: string; records: number; rejected: number; storedRecords: number; storedRejects: number; linesRead: number; maxSeq: number | null }>(
    `SELECT s."key", c."records", c."rejected", c."linesRead",
       (SELECT count(*) FROM "AccessRecord" r WHERE r."sourceId" = s."id") AS "storedRecords",
       (SELECT count(*) FROM "RejectedLine" j WHERE j."sourceId" = s."id") AS "storedRejects",
       (SELECT max("seq") FROM "AccessRecord" r WHERE r."sourceId" = s."id") AS "maxSeq"
     FROM "Source" s JOIN "IngestCheckpoint" c ON c."sourceId" = s."id" WHERE s."kind" = 'pod'`,
  );
  assert.ok(rows.length > 0);
  for (const r of rows) {
    assert.equal(r.records, r.storedRecords, `${r.key}: checkpoint records`);
    assert.equal(r.rejected, r.storedRejects, `${r.key}: checkpoint rejected`);
    assert.ok(r.linesRead >= (r.maxSeq ?? 0), `${r.key}: the checkpoint (${r.linesRead} lines) is behind a stored line (${r.maxSeq})`);
  }
}

describe('several collectors, one database', () => {
  it('two overlapping collectors (both follow every pod), each restarted mid-stream, across container restarts: every line once', () =>
    withCollectors({ rate: 100 }, async (b) => {
      const a = await b.start('a');
      await pause(700);
      // The second one starts once the first has read and stored a good part of the log.
      let second = await b.start('b');
      await pause(600);
      second = await b.restart(second);
      await pause(400);
      await b.control(`${NGINX}/restart`);
      await pause(700);
      const first = await b.restart(a);
      await pause(300);
      await b.control(`${NGINX}/restart`, { exitCode: 137 });
      await pause(700);
      second = await b.restart(second);
      await pause(700);
      const c = await b.settle();
      exactlyOnce(c);
      countersMatchRows(b);
      const sources = b.query<{ finished: number }>(`SELECT c."finished" FROM "Source" s JOIN "IngestCheckpoint" c ON c."sourceId" = s."id" WHERE s."kind" = 'pod' ORDER BY s."id"`);
      assert.deepEqual(sources.map((s) => s.finished), [1, 1, 0], 'both stopped instances are marked read to the end');
      assert.deepEqual(b.query(`SELECT "reason", "detail" FROM "IngestGap"`), [], 'no collector recorded a gap');
      assert.ok(first.collector.status().totals.records > 0 && second.collector.status().totals.records > 0, 'both read lines');
    }));

  it('collectors that start reading an instance at different points (one with --since) number its lines alike', () =>
    withCollectors({ rate: 100 }, async (b) => {
      const a = await b.start('a');
      // This one reads instances it has never seen only from a moment that falls after the next restart: without a
      // shared numbering its first line would be the new instance's line 1 to it and line k to the others.
      await b.start('since', { sinceMs: Date.now() + 1000 });
      await pause(300);
      await b.control(`${NGINX}/restart`);
      await pause(1500);
      // The first collector goes away for a while: what the other one stores now must not repeat what it stored.
      await b.stop(a);
      await pause(1000);
      await b.start('c');
      await pause(800);
      const c = await b.settle();
      exactlyOnce(c);
      countersMatchRows(b);
      assert.deepEqual(b.query(`SELECT "reason", "detail" FROM "IngestGap"`), []);
    }));

  it('a collector whose stream hung through a log rotation takes over the position another one read past it', () =>
    withCollectors({ rate: 100 }, async (b) => {
      const a = await b.start('a');
      // This one notices a hung stream only after two minutes.
      await b.start('slow', { silenceMs: 120_000 });
      await pause(800);
      await b.control('streams/stall', { kind: 'log' });
      // The first one finds its stream hung within a second or two and follows again; the slow one stays stuck while
      // the log is rotated: the lines before the rotation are gone from the file it will resume in.
      await pause(2500);
      await b.control(`${NGINX}/rotate`);
      await pause(800);
      await b.control('streams/end', { kind: 'log' });
      await pause(800);
      // The slow one goes on alone: its numbering must be the first one's.
      await b.stop(a);
      await pause(1000);
      const c = await b.settle();
      exactlyOnce(c);
      countersMatchRows(b);
      assert.deepEqual(b.query(`SELECT "reason", "detail" FROM "IngestGap"`), [], 'the slow one records no gap: the other one read those lines');
    }));

  it('a lone collector with --since stores the lines from then on, and counts the ones before in its position', () =>
    withCollectors({ rate: 100 }, async (b) => {
      await pause(800);
      const since = Date.now() - 300;
      const sinceStamp = new Date(since).toISOString().replace(/Z$/, '000000Z');
      await b.start('since', { sinceMs: since });
      await pause(800);
      await b.control('traffic', { paused: true });
      await pause(500);
      const written = writtenAccessLines(b.sim);
      const expected = new Set(written.filter((w) => w.time >= sinceStamp).map((w) => w.requestId));
      assert.ok(expected.size > 20 && expected.size < written.length, `${expected.size} of ${written.length} lines after --since`);
      const rows = b.query<{ r: string; seq: number }>(`SELECT "requestId" AS "r", "seq" FROM "AccessRecord"`);
      assert.deepEqual(rows.map((x) => x.r).sort(), [...expected].sort());
      // Each record sits at its line's position in the whole log: Envoy's startup messages and the lines before
      // --since are counted.
      const log = b.sim.logs.all().find((i) => i.ref.container === 'envoy')!;
      const position = new Map(log.lines.map((l, n) => [l.requestId, n + 1]));
      for (const x of rows) assert.equal(x.seq, position.get(x.r), x.r);
      const [cp] = b.query<{ linesRead: number }>(`SELECT "linesRead" FROM "IngestCheckpoint"`);
      assert.equal(cp!.linesRead, log.lines.length);
    }));

  it('collectors split by node (spec.nodeName field selectors): each follows its own node, the union is every line once', () =>
    withCollectors({ rate: 60, scenario: { name: 'large' } }, async (b) => {
      const nodes = [...new Set(b.sim.pods().map((p) => p.node))].sort();
      assert.deepEqual(nodes, ['node-a', 'node-b', 'node-c']);
      const collectors: Running[] = [];
      for (const n of nodes) collectors.push(await b.start(n, { fieldSelector: `spec.nodeName=${n}` }));
      await pause(2500);
      const c = await b.settle();
      exactlyOnce(c);
      countersMatchRows(b);
      const nodeOf = new Map(b.sim.pods().map((p) => [`${p.namespace}/${p.name}`, p.node]));
      let followed = 0;
      for (const r of collectors) {
        const st = r.collector.status();
        assert.ok(st.containers.length > 0, `${r.id} follows something`);
        for (const f of st.containers) assert.equal(nodeOf.get(`${f.namespace}/${f.pod}`), r.id, `${r.id} follows ${f.namespace}/${f.pod}`);
        followed += st.containers.length;
      }
      const envoys = b.sim.pods().flatMap((p) => p.containers.filter((x) => ['envoy', 'istio-proxy'].includes(x.spec.name))).length;
      assert.equal(followed, envoys, 'together they follow every Envoy container');
    }));
});

describe('several collector processes, one database', () => {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const bin = path.join(root, 'bin', 'envoy-lens.mjs');
  let sim: Simulation;
  let dir: string;
  let kubeconfig: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-multi-cli-'));
    sim = await Simulation.start({ rate: 150, bookmarkIntervalMs: 1000 });
    kubeconfig = await sim.writeKubeconfig(path.join(dir, 'kubeconfig'));
  });
  after(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const collect = (db: string): { child: ChildProcess; exit: Promise<number | null>; out: () => string } => {
    const child = spawn(process.execPath, [bin, 'collect', '--kubeconfig', kubeconfig, '--db', `file:${db}`, '-A'], { cwd: root });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    return { child, exit: new Promise((r) => child.on('exit', (code) => r(code))), out: () => out };
  };
  /** Until the process follows its containers (its SIGTERM handler is in place from then on). */
  const started = async (p: ReturnType<typeof collect>) => {
    for (let end = Date.now() + 30_000; !/^following \d+ containers/m.test(p.out()); await pause(100)) {
      if (Date.now() > end) throw new Error(`the collector did not start: ${p.out()}`);
    }
  };
  const stored = (db: string) => {
    try {
      return compareWithStore(sim, db).stored;
    } catch {
      return 0;
    }
  };

  it('two collect processes on one file, one killed -9 mid-stream and started again: every line once', async () => {
    const db = path.join(dir, 'two.db');
    const one = collect(db);
    await started(one);
    let two = collect(db);
    await started(two);
    for (const round of [1, 2]) {
      const before = stored(db);
      for (let end = Date.now() + 20_000; stored(db) < before + 300 && Date.now() < end;) await pause(100);
      two.child.kill('SIGKILL');
      await two.exit;
      if (round === 1) await fetch(`${sim.url}/_sim/${NGINX}/restart`, { method: 'POST', body: '{}' });
      two = collect(db);
      await started(two);
    }
    await pause(2000);
    await fetch(`${sim.url}/_sim/traffic`, { method: 'POST', body: JSON.stringify({ paused: true }) });
    let c = compareWithStore(sim, db);
    for (let end = Date.now() + 20_000; c.missing.length > 0 && Date.now() < end; c = compareWithStore(sim, db)) await pause(200);
    await pause(500);
    const statuses = (() => {
      const d = new Database(db, { readonly: true });
      try {
        return (d.prepare(`SELECT "json" FROM "CollectorStatus"`).all() as { json: string }[]).map((r) => JSON.parse(r.json) as { id: string; errors: Record<string, number> });
      } finally {
        d.close();
      }
    })();
    one.child.kill('SIGTERM');
    two.child.kill('SIGTERM');
    assert.equal(await one.exit, 0, `first: ${one.out()}`);
    assert.equal(await two.exit, 0, `second: ${two.out()}`);
    c = compareWithStore(sim, db);
    const storeErrors = statuses.reduce((n, s) => n + (s.errors.store ?? 0), 0);
    console.log(`# ${c.written} lines written, ${c.stored} stored; store errors reported by the collectors: ${storeErrors}`);
    assert.ok(c.missing.length === 0 && c.duplicated.length === 0 && c.unexpected.length === 0, describeComparison(c));
  });
});

describe('the store under two writers (two connections to one file)', () => {
  const envoyRecord = (requestId: string, startTime: number) => ({
    startTime, startTimeNanos: null, method: 'GET', path: '/', protocol: 'HTTP/1.1', status: 200, bytesReceived: 0, bytesSent: 1,
    durationMs: 1, upstreamServiceTimeMs: null, requestId, userAgent: null, forwardedFor: null, authority: null,
    upstreamHost: null, upstreamIp: null, upstreamPort: null, upstreamCluster: null, responseFlags: null,
    downstreamRemoteIp: null, ambiguousFields: null, extra: null,
  });
  const T0 = Date.UTC(2026, 0, 1);
  const stamp = (n: number) => new Date(T0 + n * 1000).toISOString().replace(/Z$/, '000000Z');
  /** Lines from..to of one instance as a batch: seq 9 is a rejected line, seq 10 one of Envoy's own messages. */
  const batch = (from: number, to: number, finished = false) => {
    const seqs = Array.from({ length: to - from + 1 }, (_, k) => from + k);
    return {
      records: seqs.filter((n) => n !== 9 && n !== 10).map((n) => ({ seq: n, record: envoyRecord(`r${n}`, T0 + n * 1000), logTime: T0 + n * 1000 })),
      rejects: seqs.filter((n) => n === 9).map((n) => ({ seq: n, reason: 'no match', column: 1, raw: 'garbage' })),
      otherLineSeqs: seqs.filter((n) => n === 10),
      checkpoint: { linesRead: to, bytesRead: 0, fingerprint: null, watermark: stamp(to), watermarkCount: 1, finished },
    };
  };

  async function twoWriters(run: (a: CollectorStore, b: CollectorStore, sourceId: number, read: () => any) => Promise<void>) {
    const dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-two-writers-'));
    const url = `file:${path.join(dir, 'two.db')}`;
    const a = await openCollectorStore(url);
    const b = await openCollectorStore(url);
    try {
      const identity = { key: 'pod:uid-1/envoy/containerd://one', kind: 'pod' as const, namespace: 'default', pod: 'p', container: 'envoy', podUid: 'uid-1', containerId: 'containerd://one', format: 'f' };
      const [sa, sb] = [await a.openSource(identity), await b.openSource(identity)];
      assert.equal(sa.sourceId, sb.sourceId, 'one source for one container instance');
      const read = () => {
        const db = new Database(path.join(dir, 'two.db'), { readonly: true });
        try {
          return {
            cp: db.prepare(`SELECT * FROM "IngestCheckpoint" WHERE "sourceId" = ?`).get(sa.sourceId) as Record<string, any>,
            records: (db.prepare(`SELECT count(*) AS n FROM "AccessRecord"`).get() as { n: number }).n,
            rejects: (db.prepare(`SELECT count(*) AS n FROM "RejectedLine"`).get() as { n: number }).n,
          };
        } finally {
          db.close();
        }
      };
      await run(a, b, sa.sourceId, read);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('overlapping batches: each row once, and the checkpoint counts only the rows each commit really added', () =>
    twoWriters(async (a, b, id, read) => {
      assert.deepEqual(await a.writeBatch(id, batch(1, 10)), { recordsAdded: 8, rejectsAdded: 1 });
      assert.deepEqual(await b.writeBatch(id, batch(1, 6)), { recordsAdded: 0, rejectsAdded: 0 });
      assert.deepEqual(await b.writeBatch(id, batch(7, 12)), { recordsAdded: 2, rejectsAdded: 0 });
      assert.deepEqual(await a.writeBatches([{ sourceId: id, batch: batch(11, 14) }]), [{ recordsAdded: 2, rejectsAdded: 0 }]);
      const { cp, records, rejects } = read();
      assert.equal(records, 12);
      assert.equal(rejects, 1);
      assert.equal(cp.records, records);
      assert.equal(cp.rejected, rejects);
    }));

  it('a slower writer committing an older position does not move the checkpoint back, nor un-finish an instance', () =>
    twoWriters(async (a, b, id, read) => {
      await a.writeBatch(id, batch(1, 12, true));
      await b.writeBatch(id, batch(1, 8));
      const { cp } = read();
      assert.deepEqual([cp.linesRead, cp.watermark, cp.watermarkCount, cp.finished], [12, stamp(12), 1, 1]);
    }));

  it("Envoy's own messages read by both writers are counted once", () =>
    twoWriters(async (a, b, id, read) => {
      await a.writeBatch(id, batch(1, 12));
      await b.writeBatch(id, batch(7, 12));
      const { cp } = read();
      assert.equal(cp.otherLines, 1);
    }));
});
