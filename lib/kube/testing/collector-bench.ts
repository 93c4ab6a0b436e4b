// A simulator and a collector on one machine, wired for tests: a fresh SQLite file, a collector tuned to notice
// faults within a second, and a way to wait until the collector has caught up with everything written.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openCollectorStore, type CollectorStore } from '../../store/collector-store.ts';
import { Collector, type CollectorOptions } from '../collector.ts';
import { KubeClient } from '../kube-client.ts';
import { Simulation, type SimulationOptions } from '../simulator/simulation.ts';
import { compareWithStore, describeComparison, type Comparison } from './ground-truth.ts';

export interface Bench {
  sim: Simulation;
  store: CollectorStore;
  collector: Collector;
  dbFile: string;
  dbUrl: string;
  /** Calls the simulator's control API (POST unless told); throws on a non-2xx answer. */
  control(route: string, body?: unknown, method?: string): Promise<any>;
  /** Pauses traffic and waits until every written line is stored or in a gap (or the timeout), then compares. */
  settle(timeoutMs?: number): Promise<Comparison>;
}

export const fastCollector: Partial<CollectorOptions> = { silenceMs: 1000, pollMs: 300, flushMs: 50, watchIdleMs: 5000, statusEveryMs: 1000 };

export async function withBench(
  options: { sim?: SimulationOptions; collector?: Partial<CollectorOptions> },
  run: (b: Bench) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-collect-'));
  const dbFile = path.join(dir, 'collect.db');
  const dbUrl = `file:${dbFile}`;
  // Bookmarks every second keep quiet watches visibly alive for the collector's 5 s idle check.
  const sim = await Simulation.start({ rate: 40, terminationMs: 300, crashBackoffMs: 500, bookmarkIntervalMs: 1000, ...options.sim });
  const store = await openCollectorStore(dbUrl);
  let collector: Collector | undefined;
  try {
    collector = await Collector.start({ client: KubeClient.fromString(sim.kubeconfig()), store, ...fastCollector, ...options.collector });
    const control = async (route: string, body: unknown = {}, method = 'POST') => {
      const r = await fetch(`${sim.url}/_sim/${route}`, { method, ...(method === 'POST' ? { body: JSON.stringify(body) } : {}) });
      const answer = (await r.json()) as any;
      if (!r.ok) throw new Error(`control ${route}: ${r.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    const settle = async (timeoutMs = 15_000) => {
      await control('traffic', { paused: true });
      const end = Date.now() + timeoutMs;
      let c = compareWithStore(sim, dbFile);
      while ((c.missing.length > 0 || c.duplicated.length > 0) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 200));
        c = compareWithStore(sim, dbFile);
      }
      return c;
    };
    await run({ sim, store, collector, dbFile, dbUrl, control, settle });
  } finally {
    await collector?.stop();
    await store.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts the exactly-once property, with the details in the message. */
export function exactlyOnce(c: Comparison, assertOk: (ok: boolean, message: string) => void): void {
  assertOk(c.missing.length === 0 && c.duplicated.length === 0 && c.unexpected.length === 0 && c.written > 0, describeComparison(c));
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
