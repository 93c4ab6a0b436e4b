// The Findings page's reads on every database: filters by severity, code and silenced, counts per rule, and
// evidence parsed defensively (figures, sample records, hostile text verbatim, malformed JSON as no evidence).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testBackends, type TestDatabase } from '../../testing/test-databases.ts';
import { openAnalysisStore, type FindingRow } from '../analysis-store.ts';
import { openCollectorStore } from '../collector-store.ts';
import { disconnectAll, prismaClientFor } from '../prisma-client.ts';
import { parseEvidence } from './finding-evidence.ts';
import { findingCounts, findingsPage } from './findings.ts';

const HOSTILE = '<img src=x onerror=alert(1)>';
const sample = {
  id: 7, startTimeMs: 1000, requestId: HOSTILE, method: 'GET', path: '/x', status: 200, upstreamHost: '10.96.0.10:80',
  upstreamCluster: 'backend', responseFlags: null, sourceNamespace: 'default', sourcePod: 'client',
};

const row = (key: string, code: string, severity: string, suppressedBy: string | null, evidenceJson = '{}'): FindingRow => ({
  key, code, severity, resourceKind: 'Service', resourceNamespace: 'default', resourceName: 'backend', location: null,
  title: key, message: 'm', fixJson: null, evidenceJson, firstSeenMs: 1000, lastSeenMs: 2000, suppressedBy, analyzedAtMs: 3000,
});

for (const backend of testBackends) {
  describe(backend.kind, () => {
    let temp: TestDatabase;
    before(async () => {
      temp = await backend.create({ name: 'findings-page' });
      await (await openCollectorStore(temp.url)).close();
      const store = await openAnalysisStore(temp.url);
      await store.replaceFindings([
        row('leak', 'EL0001', 'error', null, JSON.stringify({ records: 12, share: 0.5, clusterIps: ['10.96.0.10'], workload: { namespace: 'default' }, samples: [sample, { id: 'bad' }] })),
        row('leak-quiet', 'EL0001', 'error', 'annotation on Service default/backend'),
        row('dns', 'EL0003', 'warning', null, '{broken'),
        row('proto', 'EL0009', '__proto__', null),
      ]);
      store.close();
    });
    after(async () => {
      await disconnectAll();
      await temp?.remove();
    });

    test('filters: severity, code, silenced left out unless asked for', async () => {
      const prisma = await prismaClientFor(temp.url);
      const keys = async (f: Parameters<typeof findingsPage>[1]) => (await findingsPage(prisma, f)).findings.map((v) => v.key);
      assert.deepEqual(await keys({ silenced: false }), ['leak', 'dns', 'proto']);
      assert.deepEqual(await keys({ silenced: true }), ['leak', 'leak-quiet', 'dns', 'proto']);
      assert.deepEqual(await keys({ code: 'EL0001', silenced: false }), ['leak']);
      assert.deepEqual(await keys({ severity: 'warning', silenced: true }), ['dns']);
      assert.deepEqual(await keys({ code: 'EL0012' }), []);
    });

    test('counts per severity and per code, shown and silenced', async () => {
      const counts = await findingCounts(await prismaClientFor(temp.url));
      assert.deepEqual(counts.total, { shown: 3, silenced: 1 });
      assert.deepEqual({ ...counts.byCode }, { EL0001: { shown: 1, silenced: 1 }, EL0003: { shown: 1, silenced: 0 }, EL0009: { shown: 1, silenced: 0 } });
      assert.deepEqual({ ...counts.bySeverity.error }, { shown: 1, silenced: 1 });
      assert.deepEqual(counts.bySeverity['__proto__'], { shown: 1, silenced: 0 });
      assert.equal(counts.analyzedAtMs, 3000);
    });

    test('evidence: figures, samples with hostile text verbatim, bad samples dropped, malformed JSON as none', async () => {
      const { findings } = await findingsPage(await prismaClientFor(temp.url), { code: 'EL0001', silenced: false });
      const e = findings[0]!.evidence;
      assert.deepEqual(e.facts, [{ key: 'records', value: 12 }, { key: 'share', value: 0.5 }, { key: 'clusterIps', value: ['10.96.0.10'] }]);
      assert.deepEqual(e.samples, [sample]);
      assert.equal(e.samples[0]!.requestId, HOSTILE);
      assert.match(e.json!, /"workload"/);
      const dns = (await findingsPage(await prismaClientFor(temp.url), { code: 'EL0003' })).findings[0]!;
      assert.deepEqual(dns.evidence, { facts: [], samples: [], json: null });
    });
  });
}

test('parseEvidence: non-objects, empty lists and nulls', () => {
  assert.deepEqual(parseEvidence('[1,2]'), { facts: [], samples: [], json: null });
  assert.deepEqual(parseEvidence('null'), { facts: [], samples: [], json: null });
  assert.deepEqual(parseEvidence('{"a":[],"b":null,"c":true,"samples":"x"}'), { facts: [{ key: 'c', value: true }], samples: [], json: null });
  assert.deepEqual(parseEvidence('{"s":[{"method":5,"path":"/"}]}').json, '{\n  "s": [\n    {\n      "method": 5,\n      "path": "/"\n    }\n  ]\n}');
  const partial = parseEvidence('{"samples":[{"method":5,"path":"/"}]}').samples[0]!;
  assert.deepEqual([partial.method, partial.path, partial.id], [null, '/', null]);
});
