import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKubeletLine } from './kubelet-log-line.ts';

const T1 = '2026-01-01T00:00:01.000000001Z';
const T2 = '2026-01-01T00:00:01.000000002Z';
const T3 = '2026-01-01T00:00:01.000000003Z';

describe('parseKubeletLine', () => {
  it('splits the stamp from the text', () => {
    assert.deepEqual(parseKubeletLine(`${T1} [2026-01-01T00:00:00.999Z] "GET / HTTP/1.1" 200`), { time: T1, text: '[2026-01-01T00:00:00.999Z] "GET / HTTP/1.1" 200', records: 1 });
    assert.deepEqual(parseKubeletLine(`${T1} `), { time: T1, text: '', records: 1 });
  });

  it('refuses a line without a kubelet stamp', () => {
    for (const bad of ['', 'hello', '2026-01-01T00:00:01Z x', `${T1.slice(0, -1)}+00:00 x`, `${T1}x`]) assert.equal(parseKubeletLine(bad), null, bad);
  });

  it('rejoins a line the runtime split at 16 KiB, with the stamp of its last record', () => {
    const a = 'a'.repeat(16 * 1024);
    const b = 'b'.repeat(16 * 1024);
    const line = `${T1} ${a}${T2} ${b}${T3} tail`;
    assert.deepEqual(parseKubeletLine(line), { time: T3, text: `${a}${b}tail`, records: 3 });
  });

  it('a record cut short of 16 KiB to keep a UTF-8 character whole is rejoined too', () => {
    const a = `${'x'.repeat(16 * 1024 - 2)}é`.slice(0, -1); // 16382 bytes, then é would have crossed the boundary
    const line = `${T1} ${a}${T2} é rest`;
    assert.deepEqual(parseKubeletLine(line), { time: T2, text: `${a}é rest`, records: 2 });
  });

  it('a stamp-like text elsewhere in a long line is left alone', () => {
    const text = `${'y'.repeat(100)}${T2} ${'z'.repeat(20_000)}`;
    assert.deepEqual(parseKubeletLine(`${T1} ${text}`), { time: T1, text, records: 1 });
  });
});
