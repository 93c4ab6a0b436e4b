import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rollupsAnswer } from './rollup-filter.ts';

test('rollups answer windows, sources, clusters, upstreams and status classes; not paths, request ids or odd values', () => {
  for (const f of [{}, { since: 1, until: 2 }, { namespace: 'shop', sourcePod: 'web' }, { cluster: 'app' }, { upstream: 'pod-a' }, { statusClass: 0 }, { statusClass: 5 }]) {
    assert.equal(rollupsAnswer(f), true, JSON.stringify(f));
  }
  for (const f of [{ pathPrefix: '/' }, { requestId: 'abc' }, { cluster: '' }, { upstream: '' }, { statusClass: 6 }, { statusClass: 1.5 }, { somethingNew: 1 } as object]) {
    assert.equal(rollupsAnswer(f), false, JSON.stringify(f));
  }
});
