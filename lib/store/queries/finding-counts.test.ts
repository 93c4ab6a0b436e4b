// Open findings counted per severity on every database; silenced ones apart; none before any analysis.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { testBackends, type TestDatabase } from '../../testing/test-databases.ts';
import { openAnalysisStore, type FindingRow } from '../analysis-store.ts';
import { disconnectAll, prismaClientFor } from '../prisma-client.ts';
import { openFindingCounts } from './finding-counts.ts';
import { findingCountsIfAny } from './findings.ts';

const row = (key: string, severity: string, suppressedBy: string | null = null): FindingRow => ({
  key, code: 'EL0001', severity, resourceKind: 'Service', resourceNamespace: 'default', resourceName: key, location: null,
  title: 't', message: 'm', fixJson: null, evidenceJson: '{}', firstSeenMs: null, lastSeenMs: null, suppressedBy, analyzedAtMs: 5000,
});

for (const backend of testBackends) {
  describe(backend.kind, () => {
    const dbs: TestDatabase[] = [];
    after(async () => {
      await disconnectAll();
      for (const db of dbs) await db.remove();
    });

    test('counts per severity leave silenced findings out; none stored: zeros and no analysis time', async () => {
      const db = await backend.create({ name: 'finding-counts', migrated: true });
      dbs.push(db);
      const prisma = await prismaClientFor(db.url);
      assert.deepEqual(await openFindingCounts(prisma), { error: 0, warning: 0, info: 0, silenced: 0, analyzedAtMs: null });
      const store = await openAnalysisStore(db.url);
      await store.replaceFindings([row('a', 'error'), row('b', 'error'), row('c', 'warning'), row('d', 'info'), row('e', 'error', 'annotation on Service default/e')]);
      store.close();
      assert.deepEqual(await openFindingCounts(prisma), { error: 2, warning: 1, info: 1, silenced: 1, analyzedAtMs: 5000 });
    });

    test('a database never migrated has no counts rather than an error', async () => {
      const db = await backend.create({ name: 'finding-counts', migrated: false });
      dbs.push(db);
      assert.equal(await findingCountsIfAny(await prismaClientFor(db.url)), null);
    });
  });
}
