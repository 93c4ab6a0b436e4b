// envoy-lens export: stored records as NDJSON or CSV with stable camelCase keys.
import { stringify } from 'csv-stringify/sync';
import { prismaFor } from '../store/prisma-client.ts';
import { iterateRecords, type RecordFilter } from '../store/queries/records.ts';
import { recordViewKeys, type RecordView } from '../store/queries/record-view.ts';
import { BufferedWriter } from './buffered-writer.ts';

export type ExportFormat = 'ndjson' | 'csv';

/** Spreadsheets run cells that start with these as formulas; log text is attacker-controlled, so defuse them. */
const formulaStart = /^[=+@\t\r]|^-[^\d]/;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return formulaStart.test(text) ? `'${text}` : text;
}

export async function runExport(databaseUrl: string, format: ExportFormat, filter: RecordFilter, out: NodeJS.WritableStream): Promise<number> {
  const prisma = prismaFor(databaseUrl);
  const writer = new BufferedWriter(out);
  let count = 0;
  if (format === 'csv') await writer.write(stringify([recordViewKeys]));
  for await (const record of iterateRecords(prisma, filter)) {
    count++;
    const text = format === 'csv'
      ? stringify([recordViewKeys.map((k) => csvCell(record[k as keyof RecordView]))])
      : JSON.stringify(record) + '\n';
    const pending = writer.write(text);
    if (pending) await pending;
  }
  await writer.end();
  return count;
}
