import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterQuery, parseFilterParams, recordFilterOf } from './filter-params.ts';

test('URL filters: validated, turned into a record filter, and back into a query string', () => {
  const p = parseFilterParams({ range: '15m', ns: 'default', status: '5xx', path: '/test/items', cluster: 'app_service', ignored: 'x' });
  assert.ok(p.ok);
  const now = Date.UTC(2026, 0, 1);
  assert.deepEqual(recordFilterOf(p.params, null, now), { since: now - 900_000, until: now + 60_000, namespace: 'default', cluster: 'app_service', statusClass: 5, pathPrefix: '/test/items' });
  assert.equal(filterQuery(p.params, { status: undefined }), '?range=15m&ns=default&cluster=app_service&path=%2Ftest%2Fitems');
  // The default: the hour ending with the newest record; nothing when there are no records.
  const d = parseFilterParams({});
  assert.ok(d.ok);
  assert.deepEqual(recordFilterOf(d.params, 10_000_000, now), { since: 10_000_001 - 3_600_000, until: 10_000_001 });
  assert.deepEqual(recordFilterOf(d.params, null, now), {});
  assert.equal(filterQuery(d.params), '');
  const custom = parseFilterParams(new URLSearchParams('from=2025-12-16T10:00:00Z&to=2025-12-16T11:00:00Z&status=none'));
  assert.ok(custom.ok);
  assert.deepEqual(recordFilterOf(custom.params, 1, now), { since: Date.UTC(2025, 11, 16, 10), until: Date.UTC(2025, 11, 16, 11), statusClass: 0 });
});

test('bad filters name the parameter and what is wrong', () => {
  const cases: [Record<string, string | string[]> | URLSearchParams, string, RegExp][] = [
    [{ range: '3w' }, 'range', /Invalid option/i],
    [{ from: 'yesterday' }, 'from', /ISO-8601/],
    [{ from: '2025-12-16T11:00:00Z', to: '2025-12-16T10:00:00Z' }, 'from', /before/],
    [{ path: 'no-slash' }, 'path', /starts with \//],
    [{ ns: 'x'.repeat(300) }, 'ns', /Too big|too_big|at most/i],
    [{ ns: ['a', 'b'] }, 'ns', /more than once/],
    [new URLSearchParams('pod=a&pod=b'), 'pod', /more than once/],
  ];
  for (const [input, param, message] of cases) {
    const r = parseFilterParams(input);
    assert.ok(!r.ok, JSON.stringify(input));
    assert.equal(r.param, param);
    assert.match(r.message, message);
  }
});

test('links to older pages and exports pin a relative range to the window it resolved to', async () => {
  const { pinnedParams } = await import('./filter-params.ts');
  const p = parseFilterParams({ range: 'latest', status: '5xx' });
  assert.ok(p.ok);
  const pinned = pinnedParams(p.params, { since: 1000, until: 5000 });
  assert.equal(filterQuery(pinned), '?status=5xx&from=1970-01-01T00%3A00%3A01.000Z&to=1970-01-01T00%3A00%3A05.000Z');
  const again = parseFilterParams(new URLSearchParams(filterQuery(pinned).slice(1)));
  assert.ok(again.ok);
  assert.deepEqual(recordFilterOf(again.params, 999_999), { since: 1000, until: 5000, statusClass: 5 });
  // An explicit window, or none resolved (no records yet), stays as it is.
  assert.equal(pinnedParams(p.params, {}), p.params);
});
