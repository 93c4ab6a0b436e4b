// `envoy-lens simulate` as a user starts it: a real process that prints where its API and kubeconfig are, serves the
// seed scenario to kubectl, and exits 0 on SIGTERM, removing the kubeconfig it made.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { kubectlMissing } from '../kube/simulator/api/kubectl-harness.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'envoy-lens.mjs');

function startSimulator(args: string[]) {
  const child = spawn(process.execPath, [bin, 'simulate', ...args], { cwd: root });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ready = new Promise<{ url: string; kubeconfig: string; text: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulate did not start: ${out} ${err}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /^API server: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
      const kubeconfig = /^kubeconfig: (.+)$/m.exec(out)?.[1];
      if (url && kubeconfig && out.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve({ url, kubeconfig, text: out });
      }
    });
    child.on('exit', (code) => reject(new Error(`simulate exited with ${code}: ${out} ${err}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exit };
}

describe('envoy-lens simulate', () => {
  test('serves the seed scenario; kubectl works with the kubeconfig it printed; SIGTERM exits 0 and cleans up', async () => {
    const sim = startSimulator(['--port', '0', '--rate', '30']);
    const { url, kubeconfig, text } = await sim.ready;
    assert.match(text, /scenario: seed: nginx-test with an Envoy sidecar/);
    assert.match(text, /kubectl --kubeconfig \S+ logs -f nginx-test-6df974c9f9-qksd4 -c envoy --timestamps/);
    assert.ok(existsSync(kubeconfig));
    assert.match(readFileSync(kubeconfig, 'utf8'), new RegExp(`server: ${url}`));
    const pods = (await (await fetch(`${url}/api/v1/namespaces/default/pods`)).json()) as { items: { metadata: { name: string } }[] };
    assert.equal(pods.items.length, 3);
    if (!kubectlMissing()) {
      const cache = mkdtempSync(path.join(tmpdir(), 'envoy-lens-kcache-'));
      try {
        const r = spawnSync('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cache, 'logs', 'nginx-test-6df974c9f9-qksd4', '-c', 'envoy', '--tail=5'], { encoding: 'utf8', env: { ...process.env, HOME: cache } });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /10\.105\.148\.194:10000 app_service/);
      } finally {
        rmSync(cache, { recursive: true, force: true });
      }
    }
    sim.child.kill('SIGTERM');
    assert.equal(await sim.exit, 0);
    assert.ok(!existsSync(kubeconfig), 'the temporary kubeconfig is removed');
  });

  test('--kubeconfig-out keeps the file; the larger scenario is selectable', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'envoy-lens-sim-out-'));
    try {
      const file = path.join(dir, 'sim.kubeconfig');
      const sim = startSimulator(['--scenario', 'large', '--kubeconfig-out', file]);
      const { url, kubeconfig } = await sim.ready;
      assert.equal(kubeconfig, file);
      const pods = (await (await fetch(`${url}/api/v1/pods`)).json()) as { items: { metadata: { namespace: string } }[] };
      assert.deepEqual([...new Set(pods.items.map((p) => p.metadata.namespace))].sort(), ['edge', 'envoy-system', 'payments', 'shop']);
      sim.child.kill('SIGINT');
      assert.equal(await sim.exit, 0);
      assert.ok(existsSync(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad arguments exit 2 with the reason', () => {
    const both = spawnSync(process.execPath, [bin, 'simulate', '--scenario', 'large', '--variant', 'headless'], { cwd: root, encoding: 'utf8' });
    assert.equal(both.status, 2);
    assert.match(both.stderr, /--variant applies to the seed scenario only/);
    const port = spawnSync(process.execPath, [bin, 'simulate', '--port', '70000'], { cwd: root, encoding: 'utf8' });
    assert.equal(port.status, 2);
    assert.match(port.stderr, /--port must be a whole number from 0 to 65535/);
  });
});
