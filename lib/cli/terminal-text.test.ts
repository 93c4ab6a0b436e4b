import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable } from './terminal-text.ts';

test('control characters from logs are shown as escapes, the rest as it is', () => {
  assert.equal(printable('\u001b]0;pwned\u0007\u001b[2J'), '\\x1b]0;pwned\\x07\\x1b[2J');
  assert.equal(printable('a\tb\nc\r\u009b31m\u007f'), 'a\\tb\\nc\\r\\x9b31m\\x7f');
  assert.equal(printable('GET /caf\u00e9 "ok" ✓'), 'GET /caf\u00e9 "ok" ✓');
});
