// Retention never takes records out of the long-range charts: records the rollups have not counted (stored by
// something that keeps none) are counted into them before any is deleted, on every database.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { testBackends, type TestDatabase } from '../testing/test-databases.ts';
import { openChartStore } from './chart-store.ts';
import { deployMigrations } from './migrate.ts';
import { disconnectAll, prismaClientFor } from './prisma-client.ts';
import { openRetentionStore, prune, type RetentionPolicy } from './retention-store.ts';
import { openRollupMaintenance } from './rollup/rollup-maintenance.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const POLICY: RetentionPolicy = { records: 7 * DAY, minuteRollups: 30 * DAY, hourRollups: 400 * DAY };

for (const backend of testBackends) {
  describe(backend.kind, () => {
    const dbs: TestDatabase[] = [];
    after(async () => {
      await disconnectAll();
      for (const d of dbs) await d.remove();
    });

    test('records stored without rollups are counted into them first; the charts still see them after the prune', async () => {
      const db = await backend.create({ name: 'retention-rollups', migrated: true });
      dbs.push(db);
      await deployMigrations(db.url);
      const prisma = await prismaClientFor(db.url);
      const { id: sourceId } = await prisma.source.create({ data: { key: 'file:/old.log', kind: 'file', format: 'f' } });
      // Ten days ago, 30 records, 6 of them 503s, written straight into the table (no rollups kept).
      const old = NOW - 10 * DAY;
      await prisma.accessRecord.createMany({
        data: Array.from({ length: 30 }, (_, i) => ({ sourceId, seq: i + 1, startTime: new Date(old + i * 60_000), status: i % 5 ? 200 : 503, durationMs: 4 })),
      });
      const window = { since: NOW - 20 * DAY, until: NOW };
      const store = await openRetentionStore(db.url);
      const rollups = await openRollupMaintenance(db.url);
      try {
        const dry = await prune(store, POLICY, { now: NOW, dryRun: true, rollups });
        assert.deepEqual(dry.rolledUp, { hours: 0, records: 30, dryRun: true });
        assert.equal(await prisma.accessRecord.count(), 30, 'a dry run changes nothing');
        const done = await prune(store, POLICY, { now: NOW, rollups, pauseMs: 0 });
        assert.deepEqual(done.rolledUp, { hours: 0, records: 30, dryRun: false });
        assert.equal(done.steps.find((s) => s.step === 'records')!.rows, 30);
        assert.equal(await prisma.accessRecord.count(), 0);
        // Nothing left to count: the next prune does not rebuild.
        assert.equal((await prune(store, POLICY, { now: NOW, rollups, pauseMs: 0 })).rolledUp, undefined);
      } finally {
        await Promise.all([store.close(), rollups.close()]);
      }
      const chart = (await openChartStore(db.url))!;
      try {
        const counts = await chart.statusCounts(window, { originMs: 0, bucketMs: DAY });
        const byStatus = new Map<number | null, number>();
        for (const c of counts) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + c.count);
        assert.deepEqual([...byStatus].sort(), [[200, 24], [503, 6]]);
      } finally {
        chart.close();
      }
    });
  });
}
