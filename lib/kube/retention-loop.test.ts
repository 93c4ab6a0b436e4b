// The retention loop: a run at start and then on its interval, logged; stopped between batches; and inside a real
// collector on the simulator, pruning old rows at start while every live line is still stored exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openCollectorStore } from '../store/collector-store.ts';
import type { RetentionStore } from '../store/retention-store.ts';
import { Collector } from './collector.ts';
import { KubeClient } from './kube-client.ts';
import { startRetentionLoop } from './retention-loop.ts';
import { Simulation } from './simulator/simulation.ts';
import { compareWithStore, describeComparison } from './testing/ground-truth.ts';
import { fastCollector, pause } from './testing/collector-bench.ts';

const DAY = 86_400_000;
const POLICY = { records: 7 * DAY, minuteRollups: 30 * DAY, hourRollups: 400 * DAY };

/** A store with `perRun` rows of old records at each open, deleted `batchMs` per batch. */
function fakeOpen(perRun: number, batchMs = 0) {
  const opened: number[] = [];
  let deletes = 0;
  const open = async (): Promise<RetentionStore> => {
    opened.push(Date.now());
    let left = perRun;
    return {
      hasTable: async () => true,
      countOlder: async () => left,
      deleteOlder: async (step, _c, limit) => {
        if (step !== 'records') return 0;
        deletes++;
        const end = Date.now() + batchMs;
        while (Date.now() < end) { /* holding the lock */ }
        const n = Math.min(limit, left);
        left -= n;
        return n;
      },
      close: async () => {},
    };
  };
  return { open, opened, deletes: () => deletes };
}

describe('retention loop', () => {
  it('runs at once, then every interval; logs what it deleted', async () => {
    const f = fakeOpen(1200);
    const logs: string[] = [];
    const loop = startRetentionLoop('file:unused', { policy: POLICY, everyMs: 150, log: (l) => logs.push(l), open: f.open, openRollups: null, prune: { pauseMs: 0 } });
    await pause(520);
    await loop.stop();
    assert.ok(f.opened.length >= 3 && f.opened.length <= 5, `${f.opened.length} runs`);
    assert.equal(loop.last?.steps.find((s) => s.step === 'records')?.rows, 1200);
    assert.match(logs[0]!, /^retention: deleted 1200 AccessRecord \(records kept 7d, minute rollups 30d, hour rollups 400d; longest batch \d+ ms\)$/);
    const runs = f.opened.length;
    await pause(300);
    assert.equal(f.opened.length, runs, 'no run after stop');
  });

  it('stop() ends a run between two batches', async () => {
    const f = fakeOpen(1_000_000, 5);
    const loop = startRetentionLoop('file:unused', { policy: POLICY, open: f.open, openRollups: null, prune: { maxBatch: 100, pauseMs: 20 } });
    await pause(150);
    const started = Date.now();
    await loop.stop();
    assert.ok(Date.now() - started < 100, `stopped in ${Date.now() - started} ms`);
    assert.ok(f.deletes() > 0 && f.deletes() < 20, `${f.deletes()} batches`);
  });

  it('a failing run is logged once per distinct error and retried on the interval', async () => {
    const logs: string[] = [];
    let tries = 0;
    const loop = startRetentionLoop('file:unused', {
      policy: POLICY, everyMs: 50, log: (l) => logs.push(l), openRollups: null,
      open: async () => {
        tries++;
        throw new Error('disk I/O error');
      },
    });
    await pause(300);
    await loop.stop();
    assert.ok(tries >= 3, `${tries} tries`);
    assert.deepEqual(logs, ['retention failed: disk I/O error']);
  });

  it('inside a collector: old rows pruned at start while every live line is stored exactly once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-retention-'));
    const dbFile = path.join(dir, 'collect.db');
    const url = `file:${dbFile}`;
    const sim = await Simulation.start({ rate: 60, bookmarkIntervalMs: 1000 });
    const store = await openCollectorStore(url);
    let collector: Collector | undefined;
    const logs: string[] = [];
    try {
      const seed = new Database(dbFile);
      seed.pragma('busy_timeout = 5000');
      seed.prepare(`INSERT INTO "Source" ("id", "key", "kind", "format", "createdAt", "updatedAt") VALUES (1000, 'file:/old.log', 'file', 'f', 0, 0)`).run();
      const rec = seed.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime") VALUES (1000, ?, ?)`);
      seed.transaction(() => {
        for (let i = 1; i <= 20_000; i++) rec.run(i, Date.now() - 9 * DAY + i);
      })();
      seed.close();
      collector = await Collector.start({
        client: KubeClient.fromString(sim.kubeconfig()), store, ...fastCollector, log: (l) => logs.push(l),
        retention: { databaseUrl: url, policy: POLICY },
      });
      await pause(1500);
      await fetch(`${sim.url}/_sim/traffic`, { method: 'POST', body: JSON.stringify({ paused: true }) });
      let c = compareWithStore(sim, dbFile);
      for (let end = Date.now() + 15_000; c.missing.length > 0 && Date.now() < end; c = compareWithStore(sim, dbFile)) await pause(200);
      assert.ok(c.missing.length === 0 && c.duplicated.length === 0 && c.unexpected.length === 0 && c.written > 0, describeComparison(c));
      assert.equal(collector.retention?.last?.steps.find((s) => s.step === 'records')?.rows, 20_000);
      const check = new Database(dbFile, { readonly: true });
      const old = (check.prepare(`SELECT count(*) AS n FROM "AccessRecord" WHERE "sourceId" = 1000`).get() as { n: number }).n;
      check.close();
      assert.equal(old, 0);
      assert.ok(logs.some((l) => /^retention: deleted 20000 AccessRecord/.test(l)), logs.join('\n'));
      assert.equal(collector.status().totals.records, c.stored, 'the collector counted what it stored');
    } finally {
      await collector?.stop();
      await store.close();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
