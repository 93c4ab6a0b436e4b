import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sseComment, sseEvent, sseRetry } from './sse.ts';

test('an event: name, id and data lines, closed by a blank line', () => {
  assert.equal(sseEvent({ data: '{"a":1}' }), 'data: {"a":1}\n\n');
  assert.equal(sseEvent({ event: 'records', id: 42, data: '[]' }), 'event: records\nid: 42\ndata: []\n\n');
});

test('line breaks cannot end an event early or forge a field', () => {
  assert.equal(sseEvent({ data: 'one\ntwo\r\nthree\rfour' }), 'data: one\ndata: two\ndata: three\ndata: four\n\n');
  assert.equal(sseEvent({ event: 'x\n\ndata: forged', id: '1\nevent: y', data: '' }), 'event: x data: forged\nid: 1 event: y\ndata: \n\n');
  assert.equal(sseComment('still here\n\ndata: forged'), ': still here data: forged\n\n');
});

test('heartbeat comments may carry the position reached; retry is whole milliseconds', () => {
  assert.equal(sseComment('heartbeat'), ': heartbeat\n\n');
  assert.equal(sseComment('heartbeat', 1234), 'id: 1234\n: heartbeat\n\n');
  assert.equal(sseRetry(2000.4), 'retry: 2000\n\n');
  assert.equal(sseRetry(-5), 'retry: 0\n\n');
});
