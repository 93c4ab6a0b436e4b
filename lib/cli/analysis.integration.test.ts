// The seed scenario end to end, as a user runs it: the simulator plays it, `envoy-lens collect` stores the records and
// the cluster's history, then `envoy-lens findings` and `balance` analyse the database. The ClusterIP variant yields
// exactly one leak naming backend-service with its fix; the headless variant yields no leak and a balanced split.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SEED_BACKEND_PODS, SEED_SERVICE_IP, type SeedVariant } from '../kube/simulator/scenario/seed-scenario.ts';
import { Simulation } from '../kube/simulator/simulation.ts';
import { compareWithStore } from '../kube/testing/ground-truth.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'envoy-lens.mjs');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the seed variant, collects until `records` are stored, stops the collector; returns the database URL. */
async function collectSeed(dir: string, variant: SeedVariant, records: number): Promise<string> {
  const sim = await Simulation.start({ rate: 100, scenario: { name: 'seed', variant } });
  try {
    const kubeconfig = await sim.writeKubeconfig(path.join(dir, `${variant}.kubeconfig`));
    const db = path.join(dir, `${variant}.db`);
    const child = spawn(process.execPath, [bin, 'collect', '--kubeconfig', kubeconfig, '--db', `file:${db}`], { cwd: root, stdio: 'ignore' });
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const end = Date.now() + 60_000;
    const stored = () => {
      try {
        return compareWithStore(sim, db).stored;
      } catch {
        return 0;
      }
    };
    while (stored() < records) {
      assert.ok(Date.now() < end, `only ${stored()} records stored after 60 s`);
      await pause(200);
    }
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    return `file:${db}`;
  } finally {
    await sim.stop();
  }
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

interface JsonFinding {
  code: string;
  resource: { kind: string; namespace: string; name: string };
  evidence: { clusterIps?: string[]; records?: number; samples?: unknown[] };
  fix?: { summary: string; files?: { name: string; text: string }[] };
  suppressedBy: string | null;
}

describe('analysis of the seed scenario (processes: simulator, collect, findings, balance)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-analysis-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('ClusterIP variant: exactly one leak finding, naming backend-service (10.105.148.194), with its fix', async () => {
    const db = await collectSeed(dir, 'clusterip', 300);
    const out = JSON.parse(cli(['findings', '--db', db, '--json'])) as { findings: JsonFinding[] };
    const leaks = out.findings.filter((f) => f.code === 'EL0001' || f.code === 'EL0002');
    assert.equal(leaks.length, 1, JSON.stringify(out.findings.map((f) => [f.code, f.resource])));
    const leak = leaks[0]!;
    assert.equal(leak.code, 'EL0001');
    assert.deepEqual(leak.resource, { kind: 'Service', namespace: 'default', name: 'backend-service' });
    assert.deepEqual(leak.evidence.clusterIps, [SEED_SERVICE_IP]);
    assert.ok(leak.evidence.records! >= 300 && leak.evidence.samples!.length > 0);
    const files = leak.fix!.files!.map((f) => f.name);
    assert.ok(files.some((n) => n.endsWith('.service.yaml')) && files.some((n) => n.endsWith('.configmap.yaml')), files.join(', '));
    assert.match(leak.fix!.files!.find((f) => f.name.endsWith('.configmap.yaml'))!.text, /STRICT_DNS/);
    // The text form, and the stored findings the dashboard lists.
    assert.match(cli(['findings', '--db', db]), /error \[EL0001\] \(Service default\/backend-service\)/);
  });

  test('headless variant: no leak, and the two backends get a balanced share', async () => {
    const db = await collectSeed(dir, 'headless', 300);
    const out = JSON.parse(cli(['findings', '--db', db, '--json'])) as { findings: JsonFinding[] };
    assert.deepEqual(out.findings.filter((f) => ['EL0001', 'EL0002', 'EL0008', 'EL0012'].includes(f.code)), []);
    const report = JSON.parse(cli(['balance', '--db', db, '--json'])) as {
      clusters: { cluster: string | null; service: { name: string } | null; overall: { window: { tested: number; pods: { pod: string; tested: number; expectedShare: number }[]; imbalance: { pValue: number | null; maxMinRatio: number | null } } } }[];
    };
    const cluster = report.clusters.find((c) => c.overall.window.tested > 0)!;
    assert.ok(cluster, JSON.stringify(report.clusters.map((c) => c.cluster)));
    const w = cluster.overall.window;
    assert.deepEqual(w.pods.map((p) => p.pod).sort(), SEED_BACKEND_PODS.map((b) => b.name).sort());
    for (const p of w.pods) assert.equal(p.expectedShare, 0.5);
    assert.ok(w.tested >= 290, `${w.tested} tested`);
    assert.ok(w.imbalance.pValue !== null && w.imbalance.pValue > 0.5, `p = ${w.imbalance.pValue}`);
    assert.ok(w.imbalance.maxMinRatio !== null && w.imbalance.maxMinRatio < 1.1, `max/min ${w.imbalance.maxMinRatio}`);
    assert.match(cli(['balance', '--db', db]), /p = /);
  });
});
