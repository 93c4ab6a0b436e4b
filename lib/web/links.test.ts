import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeFilters } from './filter-labels.ts';
import { parseFilterParams, type FilterParams } from './filter-params.ts';
import { exportHref, traceHref, withFilter } from './links.ts';

const params = (q: string): FilterParams => {
  const p = parseFilterParams(new URLSearchParams(q));
  assert.ok(p.ok);
  return p.params;
};

test('a request id becomes one escaped path segment', () => {
  assert.equal(traceHref('abc-123'), '/trace/abc-123');
  assert.equal(traceHref('a/b?c#d %'), '/trace/a%2Fb%3Fc%23d%20%25');
  assert.equal(traceHref('<img src=x onerror=alert(1)>'), '/trace/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E');
});

test('links keep the filter: pages, exports', () => {
  const p = params('ns=shop&status=5xx&path=/api');
  assert.equal(withFilter('/requests', p, { before: 120 }), '/requests?ns=shop&status=5xx&path=%2Fapi&before=120');
  assert.equal(withFilter('/requests', params('')), '/requests');
  assert.equal(exportHref('csv', p), '/api/export?ns=shop&status=5xx&path=%2Fapi&format=csv');
  assert.equal(exportHref('ndjson', params('')), '/api/export?format=ndjson');
});

test('active filters in words; the default time range is not one', () => {
  assert.deepEqual(activeFilters(params('')), []);
  assert.deepEqual(activeFilters(params('range=all&pod=web-1&upstream=10.0.0.1')).map((f) => [f.param, f.label, f.value]), [
    ['range', 'Time', 'all time'], ['pod', 'Source pod', 'web-1'], ['upstream', 'Upstream', '10.0.0.1'],
  ]);
  assert.deepEqual(activeFilters(params('range=1h&from=2025-12-16T10:00:00Z')).map((f) => [f.param, f.value]), [['from', '2025-12-16T10:00:00.000Z']]);
});

test('a trace page segment decodes back to the id its link was made from', async () => {
  const { decodePathSegment } = await import('./trace-lookup.ts');
  for (const id of ['abc', 'a/b?c#d %', '<img src=x onerror=alert(1)>', 'x%20y', 'ünï']) {
    assert.equal(decodePathSegment(traceHref(id).slice('/trace/'.length)), id);
  }
  assert.equal(decodePathSegment('%'), null);
  assert.equal(decodePathSegment('%E0%A4%A'), null);
});
