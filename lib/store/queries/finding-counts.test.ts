// Open findings counted per severity on a real SQLite database; silenced ones apart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempSqliteDatabase, type TempDatabase } from '../../testing/temp-database.ts';
import { openAnalysisStore, type FindingRow } from '../analysis-store.ts';
import { deployMigrations } from '../migrate.ts';
import { disconnectAll, prismaClientFor } from '../prisma-client.ts';
import { openFindingCounts } from './finding-counts.ts';

let temp: TempDatabase;
before(async () => {
  temp = tempSqliteDatabase('finding-counts');
  await deployMigrations(temp.url);
});
after(async () => {
  await disconnectAll();
  temp.remove();
});

const row = (key: string, severity: string, suppressedBy: string | null = null): FindingRow => ({
  key, code: 'EL0001', severity, resourceKind: 'Service', resourceNamespace: 'default', resourceName: key, location: null,
  title: 't', message: 'm', fixJson: null, evidenceJson: '{}', firstSeenMs: null, lastSeenMs: null, suppressedBy, analyzedAtMs: 5000,
});

test('counts per severity leave silenced findings out; none stored: zeros and no analysis time', async () => {
  const prisma = await prismaClientFor(temp.url);
  assert.deepEqual(await openFindingCounts(prisma), { error: 0, warning: 0, info: 0, silenced: 0, analyzedAtMs: null });
  const store = await openAnalysisStore(temp.url);
  await store.replaceFindings([row('a', 'error'), row('b', 'error'), row('c', 'warning'), row('d', 'info'), row('e', 'error', 'annotation on Service default/e')]);
  store.close();
  assert.deepEqual(await openFindingCounts(prisma), { error: 2, warning: 1, info: 1, silenced: 1, analyzedAtMs: 5000 });
});
