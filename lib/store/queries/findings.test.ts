// Stored findings read back for the dashboard, and stored Kubernetes objects marked deleted when they went away while
// no collector watched: both on every database.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testBackends, type TestDatabase } from '../../testing/test-databases.ts';
import { openAnalysisStore, type FindingRow } from '../analysis-store.ts';
import { openCollectorStore } from '../collector-store.ts';
import { disconnectAll, prismaClientFor } from '../prisma-client.ts';
import { listFindings } from './findings.ts';


const row = (key: string, severity: string, fixJson: string | null): FindingRow => ({
  key, code: 'EL0001', severity, resourceKind: 'Service', resourceNamespace: 'default', resourceName: 'backend-service', location: null,
  title: 't', message: '<script>m</script>', fixJson, evidenceJson: '{}', firstSeenMs: 1000, lastSeenMs: 2000, suppressedBy: null, analyzedAtMs: 3000,
});

for (const backend of testBackends) {
  describe(backend.kind, () => {
    let temp: TestDatabase;
    before(async () => {
      temp = await backend.create({ name: 'findings-query' });
    });
    after(async () => {
      await disconnectAll();
      await temp?.remove();
    });

    test('findings: errors first; a fix whose stored JSON is malformed shows as no fix, or without its bad files', async () => {
      const collector = await openCollectorStore(temp.url);
      await collector.close();
      const store = await openAnalysisStore(temp.url);
      await store.replaceFindings([
        row('w', 'warning', '{"summary":"s","files":"x"}'),
        row('e', 'error', '{"summary":"fix it","files":[{"name":"a.yaml","description":"d","text":"kind: Service"}]}'),
        row('broken', 'info', '{not json'),
        row('nosummary', 'info', '{"files":[]}'),
      ]);
      store.close();
      const views = await listFindings(await prismaClientFor(temp.url));
      assert.deepEqual(views.map((v) => [v.key, v.severity, v.fix]), [
        ['e', 'error', { summary: 'fix it', files: [{ name: 'a.yaml', description: 'd', text: 'kind: Service' }] }],
        ['w', 'warning', { summary: 's' }],
        ['broken', 'info', null],
        ['nosummary', 'info', null],
      ]);
      assert.deepEqual([views[0]!.resource, views[0]!.firstSeenMs, views[0]!.analyzedAtMs], ['Service default/backend-service', 1000, 3000]);
    });

    test('objects missing from the first list are marked deleted once; present and already-deleted ones are kept', async () => {
      const collector = await openCollectorStore(temp.url);
      const obj = (uid: string, deletedMs: number | null = null) => ({ kind: 'Pod' as const, namespace: 'default', name: uid, uid, json: '{}', firstSeenMs: 1, lastSeenMs: 1, deletedMs });
      await collector.saveKubeObject(obj('here'));
      await collector.saveKubeObject(obj('gone'));
      await collector.saveKubeObject(obj('old', 5));
      await collector.saveKubeObject({ ...obj('svc'), kind: 'Service' });
      await collector.markMissingKubeObjects('Pod', new Set(['here']), 99);
      await collector.close();
      const store = await openAnalysisStore(temp.url);
      const rows = await store.kubeObjects();
      store.close();
      assert.deepEqual(rows.map((r) => [r.kind, r.uid, r.deletedMs]), [['Pod', 'gone', 99], ['Pod', 'here', null], ['Pod', 'old', 5], ['Service', 'svc', null]]);
    });
  });
}
