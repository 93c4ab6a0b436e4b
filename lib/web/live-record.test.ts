import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveTextMatch, toLiveRecord } from './live-record.ts';
import { upstreamText } from './upstream-label.ts';
import { recordViewKeys, type RecordView } from '../store/queries/record-view.ts';

const view = (over: Partial<RecordView>): RecordView =>
  ({ ...Object.fromEntries(recordViewKeys.map((k) => [k, null])), upstreamAmbiguous: false, ...over }) as RecordView;

test('upstreams in words: pod or Service with the address', () => {
  const base = { upstreamHost: '10.244.0.5:80', upstreamPod: null, upstreamService: null };
  assert.equal(upstreamText({ ...base, upstreamKind: 'pod', upstreamPod: 'web-1' }), 'web-1 (10.244.0.5:80)');
  assert.equal(upstreamText({ ...base, upstreamKind: 'pod', upstreamPod: 'web-1', upstreamAmbiguous: true }), 'web-1 (?) (10.244.0.5:80)');
  assert.equal(upstreamText({ ...base, upstreamKind: 'service', upstreamService: 'web' }), 'Service web (10.244.0.5:80)');
  assert.equal(upstreamText({ ...base, upstreamKind: 'external' }), 'external (10.244.0.5:80)');
  assert.equal(upstreamText({ ...base, upstreamKind: null }), '10.244.0.5:80');
  assert.equal(upstreamText({ ...base, upstreamHost: null, upstreamKind: null }), '–');
});

test('the live record keeps what the view shows, and the quick filter matches path, upstream, cluster and status', () => {
  const r = toLiveRecord(view({
    id: 9, namespace: 'shop', pod: 'front', path: '/api/Items', status: 503, upstreamHost: '10.96.0.10:80', upstreamKind: 'service',
    upstreamService: 'web', upstreamCluster: 'outbound|80||web', requestId: '<img src=x>', userAgent: 'not sent',
  }));
  assert.deepEqual(Object.keys(r).sort(), ['cluster', 'durationMs', 'id', 'method', 'path', 'requestId', 'responseFlags', 'source', 'startTime', 'status', 'upstream', 'upstreamKind'].sort());
  assert.equal(r.source, 'shop/front');
  assert.equal(r.upstream, 'Service web (10.96.0.10:80)');
  for (const yes of ['', '  ', 'items', '/API', 'service web', '503', '5xx', 'outbound web', '10.96.0.10']) assert.ok(liveTextMatch(r, yes), yes);
  for (const no of ['4xx', 'orders', 'front', 'img']) assert.ok(!liveTextMatch(r, no), no);
  const noStatus = toLiveRecord(view({ id: 1 }));
  assert.ok(liveTextMatch(noStatus, 'none'));
});
