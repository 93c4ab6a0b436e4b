// envoy-lens check as a user runs it: a real process over the seed fixtures, offline (--services) and against the
// simulated seed cluster (--kubeconfig).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Finding } from '../analysis/finding.ts';
import { ManualClock } from '../kube/simulator/cluster/sim-clock.ts';
import { SEED_START_MS } from '../kube/simulator/scenario/seed-scenario.ts';
import { Simulation } from '../kube/simulator/simulation.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const seed = (name: string) => path.join(root, 'fixtures', 'seed', name);
const CLUSTERIP = seed('envoy-config.configmap.yaml');
const HEADLESS = seed('envoy-config-headless.configmap.yaml');
const SERVICES = seed('services.yaml');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process, which may be serving the simulated API the CLI talks to. */
function check(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(root, 'lib', 'cli', 'main.ts'), 'check', ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'envoy-lens-check-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('envoy-lens check --services (offline)', () => {
  test('the seed ClusterIP ConfigMap: exit 1, one EL0002 naming backend-service, printed like a linter', async () => {
    const [r, json] = await Promise.all([check(['--config', CLUSTERIP, '--services', SERVICES]), check(['--config', CLUSTERIP, '--services', SERVICES, '--json'])]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '');
    const headlines = r.stdout.split('\n').filter((l) => /^(error|warning|info) \[/.test(l));
    assert.equal(headlines.length, 1, r.stdout);
    assert.match(headlines[0]!, new RegExp(`^error \\[EL0002\\] \\(ConfigMap default/envoy-config in ${CLUSTERIP.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:48\\) Predicted ClusterIP leak: cluster app_service .*default/backend-service`));
    assert.match(r.stdout, /^ {2}fix: Create the headless Service default\/backend-service-headless/m);
    assert.match(r.stdout, /^ {4}\+\s+address: "backend-service-headless\.default\.svc\.cluster\.local"$/m);
    assert.match(r.stdout, /\n\n1 error, 0 warnings\n$/);

    assert.equal(json.code, 1);
    const findings = JSON.parse(json.stdout) as Finding[];
    assert.deepEqual(findings.map((f) => [f.code, f.evidence.service]), [['EL0002', 'default/backend-service']]);
    assert.deepEqual(findings[0]!.location, { file: CLUSTERIP, configMap: { namespace: 'default', name: 'envoy-config', key: 'envoy.yaml' }, line: 48, configPath: 'static_resources.clusters[0]' });
    assert.deepEqual(findings[0]!.fix!.files!.map((f) => f.name), ['backend-service-headless.service.yaml', 'envoy-config.configmap.yaml']);
  });

  test('the seed headless ConfigMap: exit 0, nothing found', async () => {
    const [r, json] = await Promise.all([check(['--config', HEADLESS, '--services', SERVICES]), check(['--config', HEADLESS, '--services', SERVICES, '--json'])]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '0 errors, 0 warnings\n');
    assert.deepEqual(JSON.parse(json.stdout), []);
  });

  test('warnings alone exit 0; without Services the cluster rules are skipped and stderr says so', async () => {
    const file = path.join(dir, 'quiet-log.yaml');
    await writeFile(file, [
      'static_resources:',
      '  listeners:',
      '  - name: in',
      '    filter_chains:',
      '    - filters:',
      '      - name: envoy.filters.network.http_connection_manager',
      '        typed_config:',
      '          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      '          stat_prefix: in',
      '  clusters:',
      '  - name: app',
      '    type: STRICT_DNS',
      '    load_assignment: {cluster_name: app, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: backend-service, port_value: 80}}}}]}]}',
      '',
    ].join('\n'));
    const r = await check(['--config', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no Services known .*skipped EL0002, EL0003 and EL0004/);
    assert.match(r.stdout, new RegExp(`^warning \\[EL0007\\] \\(${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3\\) No access log: `, 'm'));
    assert.match(r.stdout, /0 errors, 1 warning\n$/);
  });

  test('a broken file exits 2 naming the line; so does a missing one and conflicting options', async () => {
    const file = path.join(dir, 'broken.yaml');
    await writeFile(file, 'static_resources:\n  clusters:\n  - name: a\n    type: STRICT_DNS\n    lb_policy: [ROUND_ROBIN\n');
    const wrongType = path.join(dir, 'wrong-type.yaml');
    await writeFile(wrongType, 'static_resources:\n  clusters:\n  - name: a\n    type: SORTA_DNS\n');
    const [r, t, absent, conflict] = await Promise.all([
      check(['--config', file, '--services', SERVICES]),
      check(['--config', wrongType]),
      check(['--config', path.join(dir, 'absent.yaml')]),
      check(['--config', CLUSTERIP, '--services', SERVICES, '--kubeconfig', 'x']),
    ]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^envoy-lens: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: not valid YAML`));
    assert.equal(t.code, 2);
    assert.match(t.stderr, /wrong-type\.yaml:4: static_resources\.clusters\[0\]\.type: unknown value "SORTA_DNS"/);
    assert.equal(absent.code, 2);
    assert.match(absent.stderr, /--config .*absent\.yaml: ENOENT/);
    assert.equal(conflict.code, 2);
    assert.match(conflict.stderr, /either --services or --kubeconfig/);
  });
});

describe('envoy-lens check --kubeconfig (the simulated seed cluster)', () => {
  let sim: Simulation;
  let kubeconfig: string;

  before(async () => {
    sim = await Simulation.start({ clock: new ManualClock(SEED_START_MS), rate: 20 });
    kubeconfig = await sim.writeKubeconfig(path.join(dir, 'kubeconfig'));
  });
  after(async () => {
    await sim?.stop();
  });

  test('finds the same as --services: the ClusterIP config is an error, the headless one is clean', async () => {
    const [live, offline, text, offlineText, headless] = await Promise.all([
      check(['--config', CLUSTERIP, '--kubeconfig', kubeconfig, '--json']),
      check(['--config', CLUSTERIP, '--services', SERVICES, '--json']),
      check(['--config', CLUSTERIP, '--kubeconfig', kubeconfig]),
      check(['--config', CLUSTERIP, '--services', SERVICES]),
      check(['--config', HEADLESS, '--kubeconfig', kubeconfig]),
    ]);
    assert.equal(live.code, 1, live.stderr);
    assert.equal(live.stderr, '');
    assert.deepEqual(JSON.parse(live.stdout), JSON.parse(offline.stdout));
    assert.equal(text.stdout, offlineText.stdout);
    assert.equal(headless.code, 0, headless.stderr);
    assert.equal(headless.stdout, '0 errors, 0 warnings\n');
  });

  test('an unreachable cluster is an error, not a crash', async () => {
    const dead = path.join(dir, 'dead-kubeconfig');
    await writeFile(dead, (await readFile(kubeconfig, 'utf8')).replace(/server: .*/, 'server: http://127.0.0.1:1'));
    const r = await check(['--config', CLUSTERIP, '--kubeconfig', dead]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^envoy-lens: .*127\.0\.0\.1:1/);
  });
});
