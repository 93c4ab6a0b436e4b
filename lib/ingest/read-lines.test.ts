import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { OVERLONG_LINE, readLineBatches } from './read-lines.ts';

async function linesOf(chunks: (string | Buffer)[], maxLineLength?: number): Promise<string[]> {
  const out: string[] = [];
  const input = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  for await (const batch of readLineBatches(input, maxLineLength)) out.push(...batch.lines);
  return out;
}

test('splits lines across chunk boundaries and keeps a last line without newline', async () => {
  assert.deepEqual(await linesOf(['ab', 'c\nde', 'f\n', 'g']), ['abc', 'def', 'g']);
});

test('strips CR of CRLF line ends but keeps other carriage returns', async () => {
  assert.deepEqual(await linesOf(['a\r\nb\rc\r\n']), ['a', 'b\rc']);
});

test('keeps blank lines as lines, so line numbers match the file', async () => {
  assert.deepEqual(await linesOf(['a\n\nb\n']), ['a', '', 'b']);
});

test('decodes a UTF-8 character split across two chunks', async () => {
  const bytes = Buffer.from('ü→x\n');
  assert.deepEqual(await linesOf([bytes.subarray(0, 1), bytes.subarray(1, 4), bytes.subarray(4)]), ['ü→x']);
});

test('replaces a runaway line by a marker and goes on with the next line', async () => {
  const long = 'x'.repeat(50);
  assert.deepEqual(await linesOf([`ok\n${long}`, `${long}\nnext\n`], 64), ['ok', OVERLONG_LINE, 'next']);
  assert.deepEqual(await linesOf([`${long}${long}`], 64), [OVERLONG_LINE]);
});

test('reports the bytes consumed with each batch', async () => {
  const sizes: number[] = [];
  for await (const batch of readLineBatches(Readable.from([Buffer.from('a\nb'), Buffer.from('c\n')]))) sizes.push(batch.bytesRead);
  assert.deepEqual(sizes, [3, 5]);
});
