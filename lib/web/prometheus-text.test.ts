// Prometheus text format 0.0.4: HELP/TYPE lines, escaping, histograms; and the API route duration histogram.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHelp, escapeLabelValue, formatValue, renderPrometheusText } from './prometheus-text.ts';
import { DurationHistogram, requestDurationFamily, requestDurations, timedRoute } from './request-metrics.ts';

describe('Prometheus text', () => {
  test('a counter and a labelled gauge, with HELP and TYPE, ending in a line feed', () => {
    const text = renderPrometheusText([
      { name: 'envoy_lens_ingest_lines_read_total', help: 'Log lines read.', type: 'counter', samples: [{ value: 1234 }] },
      { name: 'envoy_lens_findings', help: 'Open findings.', type: 'gauge', samples: [{ labels: { severity: 'error' }, value: 2 }, { labels: { severity: 'info' }, value: 0 }] },
    ]);
    assert.equal(text, [
      '# HELP envoy_lens_ingest_lines_read_total Log lines read.',
      '# TYPE envoy_lens_ingest_lines_read_total counter',
      'envoy_lens_ingest_lines_read_total 1234',
      '# HELP envoy_lens_findings Open findings.',
      '# TYPE envoy_lens_findings gauge',
      'envoy_lens_findings{severity="error"} 2',
      'envoy_lens_findings{severity="info"} 0',
      '',
    ].join('\n'));
  });

  test('label values escape backslash, double quote and line feed; HELP escapes backslash and line feed', () => {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    assert.equal(escapeHelp('C:\\logs\nnext "line"'), 'C:\\\\logs\\nnext "line"');
    const text = renderPrometheusText([
      { name: 'x', help: 'two\nlines \\ here', type: 'gauge', samples: [{ labels: { collector: 'node-1:42"\\\n}', quantile: '0.95' }, value: 0.25 }] },
    ]);
    assert.equal(text, '# HELP x two\\nlines \\\\ here\n# TYPE x gauge\nx{collector="node-1:42\\"\\\\\\n}",quantile="0.95"} 0.25\n');
    assert.equal(text.trimEnd().split('\n').length, 3, 'no raw line feed inside a sample');
  });

  test('special values', () => {
    assert.deepEqual([NaN, Infinity, -Infinity, 0, 1.5, 1e-7].map(formatValue), ['NaN', '+Inf', '-Inf', '0', '1.5', '1e-7']);
  });

  test('a histogram: cumulative buckets with le, +Inf equal to the count, then sum and count', () => {
    const text = renderPrometheusText([{
      name: 'req_seconds', help: 'Request time.', type: 'histogram',
      series: [{ labels: { route: '/api/export' }, buckets: [{ le: 0.1, count: 1 }, { le: 1, count: 3 }], sum: 2.05, count: 4 }],
    }]);
    assert.equal(text, [
      '# HELP req_seconds Request time.',
      '# TYPE req_seconds histogram',
      'req_seconds_bucket{route="/api/export",le="0.1"} 1',
      'req_seconds_bucket{route="/api/export",le="1"} 3',
      'req_seconds_bucket{route="/api/export",le="+Inf"} 4',
      'req_seconds_sum{route="/api/export"} 2.05',
      'req_seconds_count{route="/api/export"} 4',
      '',
    ].join('\n'));
  });

  test('malformed metric and label names are refused', () => {
    assert.throws(() => renderPrometheusText([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]), /metric name/);
    assert.throws(() => renderPrometheusText([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'a-b': 'x' }, value: 1 }] }]), /label name/);
    assert.throws(() => renderPrometheusText([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { __name__: 'x' }, value: 1 }] }]), /label name/);
  });
});

describe('API route durations', () => {
  test('observations land in their bucket; the snapshot is cumulative, per route, method and status', () => {
    const h = new DurationHistogram([0.01, 0.1, 1]);
    h.observe({ route: '/api/export', method: 'GET', status: '200' }, 0.005);
    h.observe({ route: '/api/export', method: 'GET', status: '200' }, 0.01);
    h.observe({ route: '/api/export', method: 'GET', status: '200' }, 0.5);
    h.observe({ route: '/api/export', method: 'GET', status: '200' }, 3);
    h.observe({ route: '/api/demo', method: 'POST', status: '400' }, 0.05);
    const [demo, exported] = h.snapshot();
    assert.deepEqual(demo, { labels: { route: '/api/demo', method: 'POST', status: '400' }, buckets: [{ le: 0.01, count: 0 }, { le: 0.1, count: 1 }, { le: 1, count: 1 }], sum: 0.05, count: 1 });
    assert.deepEqual(exported!.buckets.map((b) => b.count), [2, 2, 3]);
    assert.equal(exported!.count, 4);
    assert.ok(Math.abs(exported!.sum - 3.515) < 1e-9);
    const text = renderPrometheusText([requestDurationFamily(h)]);
    assert.match(text, /^# TYPE envoy_lens_http_request_duration_seconds histogram$/m);
    assert.match(text, /^envoy_lens_http_request_duration_seconds_bucket\{route="\/api\/export",method="GET",status="200",le="\+Inf"\} 4$/m);
    assert.match(text, /^envoy_lens_http_request_duration_seconds_count\{route="\/api\/demo",method="POST",status="400"\} 1$/m);
  });

  test('timedRoute records the status a handler answers, and 500 when it throws', async () => {
    const h = new DurationHistogram();
    const ok = timedRoute('/api/t', async (request: Request) => new Response(request.method, { status: 201 }), h);
    const broken = timedRoute('/api/t', async (_request: Request): Promise<Response> => { throw new Error('boom'); }, h);
    assert.equal(await (await ok(new Request('http://x/api/t', { method: 'POST' }))).text(), 'POST');
    await assert.rejects(broken(new Request('http://x/api/t')), /boom/);
    assert.deepEqual(h.snapshot().map((s) => [s.labels, s.count]), [
      [{ route: '/api/t', method: 'GET', status: '500' }, 1],
      [{ route: '/api/t', method: 'POST', status: '201' }, 1],
    ]);
  });

  test('one registry per process, kept on globalThis', () => {
    assert.equal(requestDurations(), requestDurations());
    assert.equal(requestDurations(), (globalThis as Record<symbol, unknown>)[Symbol.for('envoy-lens.request-durations')]);
  });
});
