// Collector figures for npm run bench, each with the simulator in this process and `envoy-lens collect` as its own
// process (two cores: one each):
// - catch-up: a backlog already written by the larger scenario's 20 Envoys, read into a fresh database; lines/s;
// - live: the larger scenario at a fixed rate (5,000 access-log lines/s by default); the collector's own lag figures
//   (kubelet stamp → commit) over the last minute, after a warm-up.
// Prints one JSON object per measurement.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { ManualClock } from '../../lib/kube/simulator/cluster/sim-clock.ts';
import { Simulation } from '../../lib/kube/simulator/simulation.ts';
import type { CollectorStatus } from '../../lib/kube/collector-status.ts';

const { values } = parseArgs({
  options: {
    task: { type: 'string', default: 'live' },
    'lines-per-second': { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '75' },
    backlog: { type: 'string', default: '300000' },
  },
});
const root = path.resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-bench-collect-'));
const db = path.join(dir, 'collect.db');
/** Access-log lines one client request makes in the larger scenario (gateway → frontend → orders → payments, …). */
const LINES_PER_REQUEST = 2.68;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startCollector(kubeconfig: string) {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'envoy-lens.mjs'), 'collect', '--kubeconfig', kubeconfig, '--db', `file:${db}`, '-A'], { cwd: root, stdio: 'ignore' });
  return { child, exit: new Promise<void>((resolve) => child.on('exit', () => resolve())) };
}

function storedRecords(): number {
  try {
    const d = new Database(db, { readonly: true });
    try {
      return (d.prepare('SELECT count(*) n FROM "AccessRecord"').get() as { n: number }).n;
    } finally {
      d.close();
    }
  } catch {
    return 0;
  }
}

function lastStatus(): CollectorStatus | undefined {
  const d = new Database(db, { readonly: true });
  try {
    const row = d.prepare('SELECT json FROM "CollectorStatus" ORDER BY "updatedAt" DESC LIMIT 1').get() as { json: string } | undefined;
    return row ? (JSON.parse(row.json) as CollectorStatus) : undefined;
  } finally {
    d.close();
  }
}

async function catchUp(): Promise<unknown> {
  const backlog = Number(values.backlog);
  const clock = new ManualClock(Date.now() - 3_600_000);
  // Files large enough that the kubelet rotates nothing away before the collector arrives.
  const sim = await Simulation.start({ scenario: { name: 'large' }, clock, rate: 2000, rotation: { maxFileBytes: 1 << 30, maxFiles: 5 } });
  while (sim.traffic.stats.accessLines < backlog) sim.advance(1000);
  const written = sim.traffic.stats.accessLines;
  const kubeconfig = await sim.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const t = performance.now();
  const c = startCollector(kubeconfig);
  while (storedRecords() < written) {
    if (performance.now() - t > 300_000) throw new Error(`catch-up: only ${storedRecords()} of ${written} lines stored after 300 s`);
    await pause(100);
  }
  const seconds = (performance.now() - t) / 1000;
  c.child.kill('SIGTERM');
  await c.exit;
  await sim.stop();
  return { task: 'catch-up', items: written, seconds };
}

async function live(): Promise<unknown> {
  const target = Number(values['lines-per-second']);
  const seconds = Number(values.seconds);
  // Small log files: the kubelet keeps little, and so the simulator's heap stays small and its garbage collection
  // does not hold lines back (a late line would be measured as collector lag).
  const sim = await Simulation.start({
    scenario: { name: 'large' }, rate: target / LINES_PER_REQUEST, bookmarkIntervalMs: 5000, rotation: { maxFileBytes: 2 << 20, maxFiles: 2 },
  });
  const kubeconfig = await sim.writeKubeconfig(path.join(dir, 'kubeconfig'));
  const c = startCollector(kubeconfig);
  const t = performance.now();
  const startLines = sim.traffic.stats.accessLines;
  await pause(seconds * 1000);
  const elapsed = (performance.now() - t) / 1000;
  const rate = (sim.traffic.stats.accessLines - startLines) / elapsed;
  await pause(2500); // one more status after the window
  const st = lastStatus();
  c.child.kill('SIGTERM');
  await c.exit;
  await sim.stop();
  return { task: 'live', linesPerSecond: rate, lag: st?.lagMs ?? null, records: st?.totals.records ?? 0, seconds: elapsed };
}

try {
  console.log(JSON.stringify(values.task === 'catch-up' ? await catchUp() : await live()));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
