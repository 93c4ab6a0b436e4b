// `envoy-lens collect` as a process against the simulator: SIGTERM commits and exits 0, kill -9 loses nothing that a
// restart cannot recover, and a restarted collector neither skips nor repeats a line.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SEED_BACKEND_PODS } from '../kube/simulator/scenario/seed-scenario.ts';
import { Simulation } from '../kube/simulator/simulation.ts';
import { compareWithStore, describeComparison } from '../kube/testing/ground-truth.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'envoy-lens.mjs');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

function collect(args: string[]): Running {
  const child = spawn(process.execPath, [bin, 'collect', ...args], { cwd: root });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exit };
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(100);
  }
}

describe('envoy-lens collect (a process)', () => {
  let sim: Simulation;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-collect-cli-'));
    sim = await Simulation.start({ rate: 150, bookmarkIntervalMs: 1000 });
    kubeconfig = await sim.writeKubeconfig(path.join(dir, 'kubeconfig'));
  });
  after(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = (db: string) => {
    try {
      return compareWithStore(sim, db).stored;
    } catch {
      return 0;
    }
  };

  async function settled(db: string) {
    await fetch(`${sim.url}/_sim/traffic`, { method: 'POST', body: JSON.stringify({ paused: true }) });
    let c = compareWithStore(sim, db);
    const end = Date.now() + 20_000;
    while (c.missing.length > 0 && Date.now() < end) {
      await pause(200);
      c = compareWithStore(sim, db);
    }
    await fetch(`${sim.url}/_sim/traffic`, { method: 'POST', body: JSON.stringify({ paused: false }) });
    return c;
  }

  test('SIGTERM commits and exits 0; a restart resumes where it stopped; --status reports', async () => {
    const db = path.join(dir, 'term.db');
    const args = ['--kubeconfig', kubeconfig, '--db', `file:${db}`, '-A'];
    const first = collect(args);
    await until('records', () => stored(db) > 100);
    first.child.kill('SIGTERM');
    assert.equal(await first.exit, 0, first.out());
    assert.match(first.out(), /^collecting from http:\/\/127\.0\.0\.1:\d+ \(all namespaces; containers envoy, istio-proxy\)/m);
    assert.match(first.out(), /^stopped: \d+ containers, \d+ records/m);
    const afterFirst = stored(db);
    await pause(1500); // lines written while no collector runs
    const second = collect(args);
    await until('the second run to read on', () => stored(db) > afterFirst + 300);
    const statusNow = () => spawnSync(process.execPath, [bin, 'collect', '--status', '--db', `file:${db}`], { cwd: root, encoding: 'utf8' });
    let status = statusNow();
    await until('a status that shows the stream', () => /envoy: following, [1-9]/.test((status = statusNow()).stdout));
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /following 1 containers; [\d.]+ records\/s/);
    assert.match(status.stdout, /\(stopped at /, 'the first run is shown as stopped');
    const c = await settled(db);
    second.child.kill('SIGTERM');
    assert.equal(await second.exit, 0);
    assert.ok(c.missing.length === 0 && c.duplicated.length === 0 && c.unexpected.length === 0, describeComparison(c));
  });

  test('kill -9 mid-stream, then a restart: still every line exactly once', async () => {
    const db = path.join(dir, 'kill.db');
    const args = ['--kubeconfig', kubeconfig, '--db', `file:${db}`, '-A'];
    for (let round = 0; round < 3; round++) {
      const run = collect(args);
      const before = stored(db);
      await until('records', () => stored(db) > before + 150);
      await pause(Math.floor(Math.random() * 300));
      run.child.kill('SIGKILL');
      assert.equal(await run.exit, null);
    }
    const last = collect(args);
    await pause(2000);
    const c = await settled(db);
    last.child.kill('SIGTERM');
    assert.equal(await last.exit, 0);
    assert.ok(c.missing.length === 0 && c.duplicated.length === 0 && c.unexpected.length === 0, describeComparison(c));
  });

  test('the seed story through export: the Service IP first, then the two backend pods alternating', async () => {
    const db = path.join(dir, 'story.db');
    const run = collect(['--kubeconfig', kubeconfig, '--db', `file:${db}`]);
    await until('records', () => stored(db) > 200);
    const switchAt = Date.now();
    await fetch(`${sim.url}/_sim/seed-config`, { method: 'POST', body: JSON.stringify({ variant: 'headless' }) });
    await pause(4000);
    await settled(db);
    run.child.kill('SIGTERM');
    assert.equal(await run.exit, 0);
    const exported = spawnSync(process.execPath, [bin, 'export', '--db', `file:${db}`], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(exported.status, 0, exported.stderr);
    const records = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>).filter((r) => r.upstreamHost);
    const before = records.filter((r) => Date.parse(r.logTime) < switchAt - 200);
    const after = records.filter((r) => Date.parse(r.logTime) > switchAt + 1500);
    assert.ok(before.length > 100 && after.length > 100, `${before.length} before, ${after.length} after`);
    for (const r of before) assert.deepEqual([r.upstreamKind, r.upstreamService, r.upstreamHost], ['service', 'backend-service', '10.105.148.194:10000'], JSON.stringify(r));
    const byIp: Record<string, string> = Object.fromEntries(SEED_BACKEND_PODS.map((b) => [b.ip, b.name]));
    for (const r of after) {
      assert.equal(r.upstreamKind, 'pod', JSON.stringify(r));
      assert.equal(r.upstreamPod, byIp[r.upstreamIp], `${r.upstreamIp} is ${byIp[r.upstreamIp]}`);
      assert.equal(r.upstreamNamespace, 'default');
    }
    const reached = after.map((r) => r.upstreamPod);
    let alternations = 0;
    for (let i = 1; i < reached.length; i++) if (reached[i] !== reached[i - 1]) alternations++;
    assert.ok(alternations >= reached.length * 0.9, `round robin alternates: ${alternations} changes in ${reached.length}`);
  });

  test('without a reachable kubeconfig it says so and exits non-zero', () => {
    const r = spawnSync(process.execPath, [bin, 'collect', '--kubeconfig', path.join(dir, 'missing'), '--db', `file:${path.join(dir, 'x.db')}`], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^envoy-lens: .*missing/m);
    const both = spawnSync(process.execPath, [bin, 'collect', '-n', 'a', '-A'], { cwd: root, encoding: 'utf8' });
    assert.equal(both.status, 2);
    assert.match(both.stderr, /either --namespace or --all-namespaces/);
  });
});
