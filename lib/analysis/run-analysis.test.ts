// One analysis run on a real SQLite database holding what a collector stores for the seed scenario (records, IP and
// endpoint history, Services, the Envoy pod and its ConfigMap): the findings, how they are silenced, and that a run
// replaces the stored findings.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { trimPod, trimService } from '../kube/kube-snapshots.ts';
import { seedConfigMap, seedServices, SEED_BACKEND_PODS, SEED_NGINX_POD, SEED_SERVICE_IP, type SeedVariant } from '../kube/simulator/scenario/seed-scenario.ts';
import { openAnalysisStore, type AnalysisStore } from '../store/analysis-store.ts';
import { openCollectorStore } from '../store/collector-store.ts';
import { sqliteFilePath } from '../store/database-url.ts';
import { tempSqliteDatabase, type TempDatabase } from '../testing/temp-database.ts';
import { analyse, refreshFindings } from './run-analysis.ts';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

const nginxPod = (annotations: Record<string, string> = {}) => ({
  metadata: {
    name: SEED_NGINX_POD, namespace: 'default', uid: 'uid-nginx', annotations, labels: { app: 'nginx-test', 'pod-template-hash': '6df974c9f9' },
    ownerReferences: [{ kind: 'ReplicaSet', name: 'nginx-test-6df974c9f9', controller: true }],
  },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx' },
      { name: 'envoy', image: 'envoyproxy/envoy:v1.33', volumeMounts: [{ name: 'envoy-config', mountPath: '/etc/envoy' }] },
    ],
    volumes: [{ name: 'envoy-config', configMap: { name: 'envoy-config' } }],
  },
});

/** A database as a collector leaves it after `requests` requests of the seed variant, one every 100 ms. */
async function seedDatabase(url: string, variant: SeedVariant, requests: number, o: { serviceAnnotations?: Record<string, string>; podAnnotations?: Record<string, string> } = {}) {
  const store = await openCollectorStore(url);
  const save = (kind: 'Pod' | 'Service' | 'ConfigMap', obj: { metadata: { name: string; namespace?: string; uid?: string } }, json: object) =>
    store.saveKubeObject({ kind, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name, uid: obj.metadata.uid!, json: JSON.stringify(json), firstSeenMs: T0, lastSeenMs: T0, deletedMs: null });
  for (const [i, svc] of seedServices().entries()) {
    svc.metadata.uid = `uid-svc-${i}`;
    if (svc.metadata.name === 'backend-service') svc.metadata.annotations = o.serviceAnnotations ?? {};
    await save('Service', svc as never, trimService(svc as never));
    const ip = (svc.spec as { clusterIP: string }).clusterIP;
    if (ip !== 'None') await store.saveIp({ kind: 'service', ip, namespace: 'default', name: svc.metadata.name, uid: svc.metadata.uid, fromMs: T0 - 3_600_000, toMs: null });
  }
  const pod = nginxPod(o.podAnnotations);
  await save('Pod', pod, trimPod(pod as never, ['envoy']));
  const cm = seedConfigMap(variant);
  cm.metadata.uid = 'uid-cm';
  await save('ConfigMap', cm as never, { name: 'envoy-config', namespace: 'default', uid: 'uid-cm', labels: {}, annotations: {}, data: cm.data });
  for (const b of SEED_BACKEND_PODS) {
    await store.saveIp({ kind: 'pod', ip: b.ip, namespace: 'default', name: b.name, uid: `uid-${b.name}`, fromMs: T0 - 3_600_000, toMs: null });
    for (const service of ['backend-service', 'backend-headless-service']) await store.openEndpoint({ namespace: 'default', service, ip: b.ip, pod: b.name, podUid: `uid-${b.name}`, fromMs: T0 - 3_600_000, toMs: null });
  }
  await store.close();
  const db = new Database(sqliteFilePath(url));
  const sourceId = (db.prepare(`INSERT INTO "Source" ("key", "kind", "namespace", "pod", "container", "format", "createdAt", "updatedAt") VALUES ('pod:uid-nginx/envoy/c1', 'pod', 'default', ?, 'envoy', 'f', 0, 0) RETURNING "id"`).get(SEED_NGINX_POD) as { id: number }).id;
  const insert = db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "status", "requestId", "upstreamCluster", "upstreamHost", "upstreamIp", "upstreamPort", "upstreamKind", "upstreamNamespace", "upstreamPod", "upstreamService") VALUES (?, ?, ?, 200, ?, 'app_service', ?, ?, 10000, ?, 'default', ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < requests; i++) {
      const b = SEED_BACKEND_PODS[i % 2]!;
      const [ip, kind, podName, service] = variant === 'clusterip' ? [SEED_SERVICE_IP, 'service', null, 'backend-service'] : [b.ip, 'pod', b.name, null];
      insert.run(sourceId, i + 1, T0 + i * 100, `req-${i}`, `${ip}:10000`, ip, kind, podName, service);
    }
  })();
  db.close();
}

describe('an analysis run on the stored seed scenario', () => {
  const temps: TempDatabase[] = [];
  let stores: AnalysisStore[] = [];
  const open = async (variant: SeedVariant, requests: number, o?: Parameters<typeof seedDatabase>[3]) => {
    const temp = tempSqliteDatabase('run-analysis');
    temps.push(temp);
    await seedDatabase(temp.url, variant, requests, o);
    const store = await openAnalysisStore(temp.url);
    stores.push(store);
    return store;
  };
  before(() => {
    stores = [];
  });
  after(() => {
    for (const s of stores) s.close();
    for (const t of temps) t.remove();
  });

  test('ClusterIP: one EL0001 naming backend-service, with samples, both fix files, and the predicted leak folded into it', async () => {
    const store = await open('clusterip', 600);
    const run = await refreshFindings(store);
    const leaks = run.findings.filter((f) => f.code === 'EL0001' || f.code === 'EL0002');
    assert.deepEqual(leaks.map((f) => [f.code, f.resource.name, f.evidence.records, f.suppressedBy]), [['EL0001', 'backend-service', 600, null]]);
    assert.equal((leaks[0]!.evidence.samples as unknown[]).length, 3);
    assert.deepEqual(leaks[0]!.fix!.files!.map((f) => f.name).sort(), ['backend-service-headless.service.yaml', 'envoy-config.configmap.yaml'].sort());
    assert.deepEqual([leaks[0]!.firstSeenMs, leaks[0]!.lastSeenMs], [T0, T0 + 59_999]);
    assert.deepEqual((await store.findings()).map((f) => f.code).filter((c) => c === 'EL0001'), ['EL0001']);
    // The balance over pods cannot be seen through a ClusterIP, and says so.
    const cluster = run.balance.clusters.find((c) => c.cluster === 'app_service')!;
    assert.equal(cluster.overall.window.serviceUpstreams.count, 600);
    assert.equal(cluster.overall.window.tested, 0);
  });

  test('headless: no leak, both backends expected half and getting half', async () => {
    const store = await open('headless', 600);
    const run = await analyse(store);
    assert.deepEqual(run.findings.filter((f) => ['EL0001', 'EL0002', 'EL0008', 'EL0012'].includes(f.code)), []);
    const w = run.balance.clusters.find((c) => c.cluster === 'app_service')!.overall.window;
    assert.deepEqual(w.pods.map((p) => [p.pod, p.tested, p.expected, p.expectedShare]).sort(), SEED_BACKEND_PODS.map((b) => [b.name, 300, 300, 0.5]).sort());
    assert.deepEqual([w.imbalance.chiSquare, w.imbalance.pValue, w.imbalance.maxMinRatio], [0, 1, 1]);
  });

  test('the balance alone over a long window counts in slots and finds the same split', async () => {
    const store = await open('headless', 600);
    const { analyseBalance } = await import('./run-analysis.ts');
    const long = await analyseBalance(store, { fromMs: T0 - 6 * 3_600_000, toMs: T0 + 3_600_000, bucketMs: 600_000 });
    assert.equal(long.slotSeconds, 60);
    const w = long.balance.clusters.find((c) => c.cluster === 'app_service')!.overall.window;
    assert.deepEqual(w.pods.map((p) => [p.pod, p.tested, p.expected]).sort(), SEED_BACKEND_PODS.map((b) => [b.name, 300, 300]).sort());
  });

  test('balance slots: seconds up to half an hour, whole minutes past it, hours for buckets of whole hours', async () => {
    const { balanceSlotSeconds } = await import('./run-analysis.ts');
    assert.equal(balanceSlotSeconds(30 * 60_000, 30_000), 1);
    assert.equal(balanceSlotSeconds(3_600_000, 60_000), 60);
    assert.equal(balanceSlotSeconds(12 * 3_600_000, 15 * 60_000), 120);
    assert.equal(balanceSlotSeconds(86_400_000, 3_600_000), 3600);
    assert.equal(balanceSlotSeconds(7 * 86_400_000, 3 * 3_600_000), 3600);
  });

  test('silenced by an annotation on the Service or the pod, or everywhere by configuration; still listed', async () => {
    const onService = await refreshFindings(await open('clusterip', 50, { serviceAnnotations: { 'envoy-lens.io/suppress': 'EL0001' } }));
    assert.equal(onService.findings.find((f) => f.code === 'EL0001')!.suppressedBy, 'annotation envoy-lens.io/suppress on Service default/backend-service');
    const onPod = await analyse(await open('clusterip', 50, { podAnnotations: { 'envoy-lens.io/suppress': 'all' } }));
    assert.match(onPod.findings.find((f) => f.code === 'EL0001')!.suppressedBy!, /on Workload default\/Deployment\/nginx-test/);
    const everywhere = await analyse(await open('clusterip', 50), { suppress: ['el0001'] });
    assert.equal(everywhere.findings.find((f) => f.code === 'EL0001')!.suppressedBy, 'EL0001 is silenced everywhere by the configuration');
    const other = await analyse(await open('clusterip', 50, { serviceAnnotations: { 'envoy-lens.io/suppress': 'EL0003' } }));
    assert.equal(other.findings.find((f) => f.code === 'EL0001')!.suppressedBy, null);
  });

  test('an empty window: no findings, an empty balance, no errors', async () => {
    const store = await open('headless', 10);
    const run = await analyse(store, { fromMs: T0 + 3_600_000, toMs: T0 + 7_200_000 });
    assert.deepEqual(run.findings.filter((f) => f.firstSeenMs !== null), []);
    assert.deepEqual(run.balance.clusters, []);
  });

  test('one record from a wrong clock does not move the default window; records without START_TIME are noted', async () => {
    const temp = tempSqliteDatabase('run-analysis');
    temps.push(temp);
    await seedDatabase(temp.url, 'clusterip', 100);
    const db = new Database(sqliteFilePath(temp.url));
    db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "upstreamIp", "upstreamKind", "upstreamService") VALUES (1, 1000, ?, ?, 'service', 'backend-service')`).run(Date.UTC(9999, 0, 1), SEED_SERVICE_IP);
    db.prepare(`INSERT INTO "AccessRecord" ("sourceId", "seq", "startTime", "logTime") VALUES (1, 1001, NULL, ?)`).run(T0);
    db.close();
    const store = await openAnalysisStore(temp.url);
    stores.push(store);
    const run = await analyse(store, { now: T0 + 60_000 });
    assert.equal(run.findings.find((f) => f.code === 'EL0001')!.evidence.records, 100);
    assert.deepEqual([run.fromMs, run.toMs], [T0, T0 + 9_901]);
    assert.ok(run.notes.some((n) => /^1 stored records start more than 5 minutes in the future/.test(n)), run.notes.join('; '));
    assert.ok(run.notes.some((n) => /^1 stored records have no START_TIME/.test(n)), run.notes.join('; '));
  });
});
