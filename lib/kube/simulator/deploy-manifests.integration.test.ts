// deploy/'s manifests against the simulator with the real kubectl: every file passes `kubectl apply --dry-run=server`
// (one "(server dry run)" line per object, nothing stored), a real apply stores them, and the simulator refuses what a
// real apiserver refuses. Without kubectl those parts are skipped and say why. Then, from the YAML alone: the RBAC is
// exactly the least-privilege set, the DaemonSet follows only its own node's pods, and every flag is a CLI option.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { Kubectl, kubectlMissing } from './api/kubectl-harness.ts';
import { resourceForObject } from './api/resources.ts';
import { Simulation } from './simulation.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const deployDir = join(root, 'deploy');
const manifestFiles = readdirSync(deployDir).filter((f) => f.endsWith('.yaml')).sort();

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: any;
}

function objectsOf(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(join(deployDir, file), 'utf8'))
    .map((d) => d.toJS() as Manifest | null)
    .filter((o): o is Manifest => o !== null);
}

const all = manifestFiles.flatMap((file) => objectsOf(file).map((object) => ({ file, object })));
const only = (kind: string): Manifest => {
  const found = all.filter((m) => m.object.kind === kind);
  assert.equal(found.length, 1, `exactly one ${kind} in deploy/`);
  return found[0]!.object;
};

const secretNamed = (name: string): Manifest => {
  const found = all.find((m) => m.object.kind === 'Secret' && m.object.metadata.name === name);
  assert.ok(found, `a Secret ${name} in deploy/`);
  return found.object;
};

/** `daemonset.apps/envoy-lens-collector`: how kubectl names an object in apply's output. */
function kubectlName(o: Manifest): string {
  const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
  return `${o.kind.toLowerCase()}${group}/${o.metadata.name}`;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('deploy/ manifests against the simulator with kubectl', { skip: kubectlMissing() }, () => {
  let sim: Simulation;
  let kubectl: Kubectl;

  before(async () => {
    sim = await Simulation.start({ rate: 5 });
    kubectl = await Kubectl.create(sim.url);
  });
  after(async () => {
    await sim?.stop();
    await kubectl?.dispose();
  });

  const stored = (o: Manifest) => {
    const type = resourceForObject(o.apiVersion, o.kind);
    assert.ok(type, `the simulator serves ${o.apiVersion} ${o.kind}`);
    return sim.store.get(type.plural, type.namespaced ? (o.metadata.namespace ?? 'default') : undefined, o.metadata.name);
  };

  async function dryRun(file: string, verb: 'created' | 'unchanged'): Promise<void> {
    const r = await kubectl.run(['apply', '--dry-run=server', '-f', join(deployDir, file)]);
    assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    const objects = objectsOf(file);
    assert.ok(objects.length > 0, `${file} holds objects`);
    for (const o of objects) assert.match(r.stdout, new RegExp(`^${escape(kubectlName(o))} ${verb} \\(server dry run\\)$`, 'm'), `${file}: ${r.stdout}`);
    assert.equal(r.stdout.trim().split('\n').length, objects.length, `one line per object: ${r.stdout}`);
  }

  it('every manifest passes apply --dry-run=server, and the dry run stores nothing', async () => {
    assert.ok(manifestFiles.includes('namespace.yaml'));
    // Like a real apiserver, the simulator refuses objects in a namespace that does not exist, dry run or not: the
    // namespace is dry-run first, then created for the namespaced files' dry runs (deploy/README.md: apply it first).
    await dryRun('namespace.yaml', 'created');
    for (const o of objectsOf('namespace.yaml')) assert.equal(stored(o), undefined);
    const ns = await kubectl.run(['apply', '-f', join(deployDir, 'namespace.yaml')]);
    assert.equal(ns.code, 0, ns.stderr);

    const rest = manifestFiles.filter((f) => f !== 'namespace.yaml');
    assert.deepEqual(
      new Set(all.filter((m) => m.file !== 'namespace.yaml').map((m) => m.object.kind)),
      new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'Deployment', 'Service', 'Secret']),
    );
    for (const file of rest) await dryRun(file, 'created');
    for (const { file, object } of all.filter((m) => m.file !== 'namespace.yaml')) assert.equal(stored(object), undefined, `${file}: ${kubectlName(object)} was stored`);
  });

  it('a real apply stores them all; a second dry run finds them unchanged', async () => {
    for (const file of manifestFiles) {
      const r = await kubectl.run(['apply', '-f', join(deployDir, file)]);
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    }
    for (const { object } of all) assert.ok(stored(object), `${kubectlName(object)} stored`);
    // stringData is write-only: the stored Secret holds it base64-encoded under data.
    const secret = secretNamed('envoy-lens-database');
    const live = stored(secret)!;
    assert.equal(live.stringData, undefined);
    assert.equal(Buffer.from((live.data as Record<string, string>).url!, 'base64').toString(), secret.stringData.url);
    // A Secret written with stringData is always "configured" by apply, as on a real cluster (the live object has none).
    for (const file of manifestFiles.filter((f) => !f.endsWith('secret.example.yaml'))) await dryRun(file, 'unchanged');
    const get = await kubectl.run(['get', 'clusterrolebinding', 'envoy-lens-collector', '-o', 'wide']);
    assert.match(get.stdout, /^envoy-lens-collector\s+ClusterRole\/envoy-lens-collector\s+\S+\s+envoy-lens\/envoy-lens-collector$/m);
  });

  it('refuses what a real apiserver refuses: a wrong downward-API path, a selector missing the labels, an unbound subject', async () => {
    const ds = structuredClone(only('DaemonSet'));
    ds.metadata.name = 'broken-collector';
    ds.spec.template.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath = 'spec.nodename';
    ds.spec.template.metadata.labels = { app: 'other' };
    const crb = structuredClone(only('ClusterRoleBinding'));
    crb.metadata.name = 'broken-binding';
    delete crb.subjects[0].namespace;
    for (const [name, object, wanted] of [
      ['ds', ds, /spec\.template\.spec\.containers\[0\]\.env\[0\]\.valueFrom\.fieldRef\.fieldPath: Invalid value: "spec\.nodename"[^]*spec\.template\.metadata\.labels: .*`selector` does not match template `labels`/],
      ['crb', crb, /subjects\[0\]\.namespace: Required value/],
    ] as const) {
      const file = join(kubectl.dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(object));
      const r = await kubectl.run(['apply', '--dry-run=server', '-f', file]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /is invalid/);
      assert.match(r.stderr, wanted);
    }
  });
});

describe('deploy/ manifests say what the README promises', () => {
  it('the ClusterRole grants exactly pods get/list/watch, pods/log get, services and endpointslices list/watch, configmaps get', () => {
    const role = only('ClusterRole');
    const grants = (role.rules as any[]).flatMap((rule) => {
      assert.deepEqual(Object.keys(rule).sort(), ['apiGroups', 'resources', 'verbs'], 'no resourceNames, nonResourceURLs or other fields');
      return (rule.apiGroups as string[]).flatMap((g) => (rule.resources as string[]).flatMap((r) => (rule.verbs as string[]).map((v) => `${g}|${r}|${v}`)));
    });
    assert.equal(new Set(grants).size, grants.length, 'no grant twice');
    assert.ok(!grants.some((g) => g.includes('*')), 'no wildcards');
    assert.deepEqual(new Set(grants), new Set([
      '|pods|get', '|pods|list', '|pods|watch',
      '|pods/log|get',
      '|services|list', '|services|watch',
      'discovery.k8s.io|endpointslices|list', 'discovery.k8s.io|endpointslices|watch',
      '|configmaps|get',
    ]));
    assert.equal(role.aggregationRule, undefined);
    assert.deepEqual(all.map((m) => m.object.kind).filter((k) => /Role/.test(k)).sort(), ['ClusterRole', 'ClusterRoleBinding'], 'no other Role or binding');
  });

  it('the binding gives the role to the collector ServiceAccount only, which only the DaemonSet uses', () => {
    const role = only('ClusterRole');
    const binding = only('ClusterRoleBinding');
    const sa = only('ServiceAccount');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    assert.equal(only('DaemonSet').spec.template.spec.serviceAccountName, sa.metadata.name);
    const dashboard = only('Deployment').spec.template.spec;
    assert.equal(dashboard.serviceAccountName, undefined);
    assert.equal(dashboard.automountServiceAccountToken, false, 'the dashboard never calls the API: no token');
  });

  it('the DaemonSet collects only its own node (downward-API node name in the field selector) into the Secret URL', () => {
    const spec = only('DaemonSet').spec.template.spec;
    const [c] = spec.containers;
    assert.deepEqual(c.args, ['collect', '-A', '--field-selector', 'spec.nodeName=$(NODE_NAME)', '--db', '$(DATABASE_URL)']);
    const env = Object.fromEntries((c.env as any[]).map((e) => [e.name, e.valueFrom]));
    assert.deepEqual(env.NODE_NAME, { fieldRef: { fieldPath: 'spec.nodeName' } });
    assert.deepEqual(env.DATABASE_URL, { secretKeyRef: { name: 'envoy-lens-database', key: 'url' } });
    assert.deepEqual(spec.tolerations, [{ operator: 'Exists' }], 'every node, tainted ones too');
    assert.equal(c.readinessProbe, undefined, 'the collector serves no health endpoint yet');
    assert.equal(c.livenessProbe, undefined);
    assert.ok(c.resources.requests && c.resources.limits);
  });

  it('the dashboard: 2 replicas of serve on 0.0.0.0:3000 behind a ClusterIP Service on 3000', () => {
    const deploy = only('Deployment');
    assert.equal(deploy.spec.replicas, 2);
    const [c] = deploy.spec.template.spec.containers;
    assert.deepEqual(c.args, ['serve', '--host', '0.0.0.0', '--port', '3000', '--db', '$(DATABASE_URL)']);
    assert.deepEqual(c.env, [
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'envoy-lens-database', key: 'url' } } },
      // Bound to 0.0.0.0, serve requires auth: the token comes from a Secret, not a flag `ps` would show.
      { name: 'ENVOY_LENS_TOKEN', valueFrom: { secretKeyRef: { name: 'envoy-lens-dashboard-auth', key: 'token' } } },
    ]);
    const svc = only('Service');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.ports.map((p: any) => p.port), [3000]);
    assert.deepEqual(svc.spec.selector, deploy.spec.selector.matchLabels);
  });

  it('both containers run locked down: non-root, read-only root filesystem, no privilege escalation, no capabilities', () => {
    for (const kind of ['DaemonSet', 'Deployment']) {
      const pod = only(kind).spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true, kind);
      for (const c of pod.containers) {
        assert.deepEqual(
          [c.securityContext.runAsNonRoot, c.securityContext.readOnlyRootFilesystem, c.securityContext.allowPrivilegeEscalation, c.securityContext.capabilities],
          [true, true, false, { drop: ['ALL'] }],
          `${kind} ${c.name}`,
        );
      }
    }
  });

  it('the example Secrets are clearly examples: a postgresql:// URL to a .invalid host, an EXAMPLE-ONLY token', () => {
    const url = new URL(secretNamed('envoy-lens-database').stringData.url);
    assert.equal(url.protocol, 'postgresql:');
    assert.match(url.hostname, /\.invalid$/);
    assert.match(secretNamed('envoy-lens-dashboard-auth').stringData.token, /^EXAMPLE-ONLY/);
    for (const m of all.filter((m) => m.object.kind === 'Secret')) assert.match(m.file, /\.example\.yaml$/);
  });

  it('every flag the manifests pass is an option of `envoy-lens collect` / `serve`', async () => {
    const { buildProgram } = await import('../../cli/main.ts');
    const program = buildProgram();
    for (const [kind, command] of [['DaemonSet', 'collect'], ['Deployment', 'serve']] as const) {
      const args: string[] = only(kind).spec.template.spec.containers[0].args;
      assert.equal(args[0], command);
      const options = program.commands.find((c) => c.name() === command)!.options.flatMap((o) => [o.short, o.long]);
      for (const flag of args.filter((a) => a.startsWith('-'))) assert.ok(options.includes(flag), `${command} ${flag}`);
    }
  });
});
