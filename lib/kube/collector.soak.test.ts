// A bounded soak: the larger scenario (20 Envoy containers) at over 2,000 access-log lines per second for a few
// minutes (SOAK_SECONDS, default 120), with streams dropped and containers restarted along the way, read by
// `envoy-lens collect` as its own process. It must end with every line stored exactly once and its memory flat.
// The test runner runs this file alone, after the other suites, so nothing else competes for the two cores.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Simulation } from './simulator/simulation.ts';
import { compareWithStore, describeComparison } from './testing/ground-truth.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const seconds = Number(process.env.SOAK_SECONDS ?? 120);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

test(`soak: ${seconds} s of the larger scenario at ≥ 2,000 lines/s, with faults; exactly once, memory bounded`, { timeout: (seconds + 120) * 1000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-soak-'));
  const sim = await Simulation.start({ scenario: { name: 'large' }, rate: 950, bookmarkIntervalMs: 2000, terminationMs: 500, crashBackoffMs: 1000, seed: 11 });
  const db = path.join(dir, 'soak.db');
  try {
    const kubeconfig = await sim.writeKubeconfig(path.join(dir, 'kubeconfig'));
    const child = spawn(process.execPath, [path.join(root, 'bin', 'envoy-lens.mjs'), 'collect', '--kubeconfig', kubeconfig, '--db', `file:${db}`, '-A'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const control = (route: string, body: unknown = {}) => fetch(`${sim.url}/_sim/${route}`, { method: 'POST', body: JSON.stringify(body) });

    const started = Date.now();
    const writtenAtStart = sim.traffic.stats.accessLines;
    const rss: number[] = [];
    let tick = 0;
    while (Date.now() - started < seconds * 1000) {
      await pause(5000);
      tick++;
      rss.push(rssMb(child.pid!));
      // Faults along the way: streams cut, a container restarted, a pod replaced.
      if (tick % 4 === 1) await control('streams/drop', { kind: 'log', namespace: 'shop' });
      if (tick % 6 === 3) {
        const pod = sim.pods().find((p) => p.workload?.name === 'orders');
        if (pod) await control(`pods/shop/${pod.name}/containers/envoy/restart`);
      }
      if (tick % 9 === 5) await control('workloads/shop/frontend/churn');
    }
    const elapsed = (Date.now() - started) / 1000;
    const linesPerSecond = (sim.traffic.stats.accessLines - writtenAtStart) / elapsed;

    await control('traffic', { paused: true });
    let c = compareWithStore(sim, db);
    const end = Date.now() + 60_000;
    while (c.missing.length > 0 && Date.now() < end) {
      await pause(500);
      c = compareWithStore(sim, db);
    }
    child.kill('SIGTERM');
    assert.equal(await exit, 0, out.slice(-2000));

    const envoyPods = new Set(sim.logs.all().filter((i) => i.ref.container === 'envoy' || i.ref.container === 'istio-proxy').filter((i) => i.lines.some((l) => l.requestId)).map((i) => i.ref.pod));
    const third = Math.max(1, Math.floor(rss.length / 3));
    const early = Math.max(...rss.slice(0, third));
    const late = Math.max(...rss.slice(-third));
    if (process.env.SOAK_KEEP) console.log(`soak database kept: ${db}`, JSON.stringify(c.gaps));
    console.log(`soak: ${elapsed.toFixed(0)} s, ${linesPerSecond.toFixed(0)} access lines/s over ${envoyPods.size} Envoy pods; ${c.written} written, ${c.stored} stored, ${c.inGaps} in gaps; collector RSS ${rss.map((r) => r.toFixed(0)).join(' ')} MB`);
    assert.ok(linesPerSecond >= 2000, `${linesPerSecond.toFixed(0)} lines/s`);
    assert.ok(envoyPods.size >= 20, `${envoyPods.size} pods`);
    assert.ok(c.missing.length === 0 && c.duplicated.length === 0 && c.unexpected.length === 0, describeComparison(c));
    assert.ok(Math.max(...rss) < 500, `collector RSS peaked at ${Math.max(...rss).toFixed(0)} MB`);
    assert.ok(late < early * 1.5 + 30, `collector RSS grew from ${early.toFixed(0)} MB to ${late.toFixed(0)} MB`);
  } finally {
    await sim.stop();
    if (!process.env.SOAK_KEEP) rmSync(dir, { recursive: true, force: true });
  }
});
