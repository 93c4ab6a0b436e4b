import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, csvHeaderLine, exportFilename, exportLine } from './record-lines.ts';
import { recordViewKeys, type RecordView } from '../store/queries/record-view.ts';

/** RFC 4180 rows (quoted fields, doubled quotes, line breaks inside quotes): enough to read back one export line. */
function parse(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && (c === ',' || c === '\n')) {
      row.push(field);
      field = '';
      if (c === '\n') {
        rows.push(row);
        row = [];
      }
    } else {
      field += c;
    }
  }
  return rows;
}

test('CSV cells: null empty, objects as JSON, formulas defused, negative numbers kept', () => {
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell({ a: 1 }), '{"a":1}');
  for (const hostile of ['=HYPERLINK("http://x")', '+1+1', '@SUM(A1)', '\tcmd', '\rcmd', '-x', "-2+3+cmd|' /C calc'!A0", '-1e3'])
    assert.equal(csvCell(hostile), `'${hostile}`, hostile);
  assert.equal(csvCell(-12), '-12');
  assert.equal(csvCell('curl/8.0'), 'curl/8.0');
});

test('a CSV line has every RecordView key in order and survives quotes and line breaks', () => {
  assert.equal(csvHeaderLine().trim(), recordViewKeys.join(','));
  const record = Object.fromEntries(recordViewKeys.map((k) => [k, null])) as unknown as RecordView;
  Object.assign(record, { id: 7, path: '/a,"b"\nc', userAgent: '=cmd|" /C calc"!A0', extra: { k: 'v' } });
  const [row] = parse(exportLine('csv', record)) as string[][];
  assert.equal(row!.length, recordViewKeys.length);
  assert.equal(row![recordViewKeys.indexOf('path')], '/a,"b"\nc');
  assert.equal(row![recordViewKeys.indexOf('userAgent')], `'=cmd|" /C calc"!A0`);
  assert.equal(row![recordViewKeys.indexOf('extra')], '{"k":"v"}');
  assert.deepEqual(JSON.parse(exportLine('ndjson', record)), record);
  assert.ok(exportLine('ndjson', record).endsWith('}\n'));
});

test('export file names: the filter in safe characters, then the time', () => {
  const at = new Date(Date.UTC(2025, 11, 16, 10, 5, 56, 123));
  assert.equal(exportFilename('csv', [], at), 'envoy-lens-requests-20251216T100556Z.csv');
  assert.equal(exportFilename('ndjson', ['default', undefined, '5xx', '/api/v1'], at), 'envoy-lens-requests-default-5xx-api_v1-20251216T100556Z.ndjson');
  const hostile = exportFilename('csv', ['"; filename=evil.exe\r\n', '../../etc/passwd', '<img src=x>', 'x'.repeat(100)], at);
  assert.match(hostile, /^envoy-lens-requests-[A-Za-z0-9._-]+-20251216T100556Z\.csv$/);
  assert.ok(hostile.length < 200);
});
