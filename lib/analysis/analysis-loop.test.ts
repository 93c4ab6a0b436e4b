import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployMigrations } from '../store/migrate.ts';
import { tempSqliteDatabase } from '../testing/temp-database.ts';
import { startAnalysisLoop } from './analysis-loop.ts';

test('the loop runs at start and on stop; a failing analysis is logged once per distinct error, never thrown', async () => {
  const temp = tempSqliteDatabase('analysis-loop');
  try {
    await deployMigrations(temp.url);
    const logs: string[] = [];
    const ok = startAnalysisLoop(temp.url, { everyMs: 10, log: (l) => logs.push(l) });
    await new Promise((r) => setTimeout(r, 200));
    await ok.stop();
    assert.equal(logs.length, 0);

    const failing = startAnalysisLoop('postgresql://u@127.0.0.1:1/x', { everyMs: 10, log: (l) => logs.push(l) });
    await new Promise((r) => setTimeout(r, 200));
    await failing.stop();
    assert.equal(logs.length, 1);
    // An unreachable database: the failure is logged once, not once per run.
    assert.match(logs[0]!, /^analysis failed: .*ECONNREFUSED/);
  } finally {
    temp.remove();
  }
});
