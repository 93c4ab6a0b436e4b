// Runs the real kubectl against a simulator in tests: fresh HOME and cache dir (discovery is cached 6 h), a written
// kubeconfig, and a hard failure when kubectl is missing, because these tests exist to prove kubectl compatibility.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKubeconfig } from './kubeconfig.ts';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Why kubectl tests cannot run here (a reason for `skip`), or false when kubectl is on PATH. */
export function kubectlMissing(): string | false {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  return probe.error ? `kubectl could not be run (${probe.error.message}); install kubectl v1.32 on PATH to run the kubectl compatibility tests` : false;
}

export function requireKubectl(): void {
  const missing = kubectlMissing();
  if (missing) throw new Error(missing);
}

export class Kubectl {
  private constructor(
    readonly dir: string,
    readonly kubeconfig: string,
  ) {}

  static async create(server: string): Promise<Kubectl> {
    requireKubectl();
    const dir = await mkdtemp(join(tmpdir(), 'envoy-lens-kubectl-'));
    const kubeconfig = await writeKubeconfig(join(dir, 'kubeconfig'), { server });
    return new Kubectl(dir, kubeconfig);
  }

  private argv(args: string[]): string[] {
    return ['--kubeconfig', this.kubeconfig, '--cache-dir', join(this.dir, 'cache'), ...args];
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, HOME: this.dir, KUBECONFIG: this.kubeconfig };
  }

  run(args: string[], timeoutMs = 20_000): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('kubectl', this.argv(args), { env: this.env() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`kubectl ${args.join(' ')} timed out; stdout=${stdout} stderr=${stderr}`));
      }, timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Starts a long-running kubectl (`-w`, `-f`); read its output with waitForOutput. */
  spawn(args: string[]): ChildProcessWithoutNullStreams {
    return spawn('kubectl', this.argv(args), { env: this.env() });
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Resolves with all stdout since the call once it contains `needle` (or the predicate holds); rejects after
 * timeoutMs with what was seen.
 */
export function waitForOutput(
  child: ChildProcessWithoutNullStreams,
  needle: string | ((out: string) => boolean),
  timeoutMs = 15_000,
): Promise<string> {
  const found = typeof needle === 'string' ? (out: string) => out.includes(needle) : needle;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${typeof needle === 'string' ? JSON.stringify(needle) : 'the expected output'}; stdout=${out} stderr=${err}`)), timeoutMs);
    const onErr = (d: Buffer) => (err += d.toString());
    const onOut = (d: Buffer) => {
      out += d.toString();
      if (found(out)) {
        clearTimeout(timer);
        child.stdout.off('data', onOut);
        child.stderr.off('data', onErr);
        resolve(out);
      }
    };
    child.stderr.on('data', onErr);
    child.stdout.on('data', onOut);
  });
}

/** Resolves with the exit code once the process ends. */
export function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('close', (code) => resolve(code));
  });
}
