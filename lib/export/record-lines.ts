// Records as export lines: CSV with the same columns and formula defusing as `envoy-lens export --format csv`, or NDJSON
// with the record's stable camelCase keys. Shared by the dashboard's export route; lib/cli/export-command.ts writes the
// same bytes (a test holds the two together).
import { stringify } from 'csv-stringify/sync';
import { recordViewKeys, type RecordView } from '../store/queries/record-view.ts';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const exportContentType: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** Spreadsheets run cells that start with these as formulas; log text is attacker-controlled, so defuse them. A
 * leading `-` is a formula too (`-2+3+cmd|' /C calc'!A0`) unless the whole cell is a plain negative number. */
const formulaStart = /^[=+@\t\r-]/;
const plainNegativeNumber = /^-\d+(\.\d+)?$/;

/** One CSV cell's text: empty for null, JSON for objects, and a leading `'` before anything a spreadsheet would run. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return formulaStart.test(text) && !plainNegativeNumber.test(text) ? `'${text}` : text;
}

/** The header line: every RecordView key, in the CLI's order. */
export function csvHeaderLine(): string {
  return stringify([recordViewKeys]);
}

export function csvLine(record: RecordView): string {
  return stringify([recordViewKeys.map((k) => csvCell(record[k]))]);
}

export function ndjsonLine(record: RecordView): string {
  return JSON.stringify(record) + '\n';
}

/** The line for one record in this format (with its newline). */
export function exportLine(format: ExportFormat, record: RecordView): string {
  return format === 'csv' ? csvLine(record) : ndjsonLine(record);
}

/**
 * A download name that says what is in the file and is safe in a Content-Disposition header on every OS:
 * `envoy-lens-requests-<ns>-5xx-20251216T100556Z.csv`. Filter values are reduced to [A-Za-z0-9._-] and shortened.
 */
export function exportFilename(format: ExportFormat, parts: (string | undefined)[], at: Date): string {
  const words = parts
    .filter((p): p is string => Boolean(p))
    .map((p) => p.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+|[._-]+$/g, '').slice(0, 40))
    .filter(Boolean);
  const stamp = at.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return ['envoy-lens-requests', ...words, stamp].join('-') + '.' + format;
}
