// envoy-lens export: stored records as NDJSON or CSV with stable camelCase keys.
import { csvHeaderLine, exportLine, type ExportFormat } from '../export/record-lines.ts';
import { prismaClientFor } from '../store/prisma-client.ts';
import { iterateRecords, type RecordFilter } from '../store/queries/records.ts';
import { BufferedWriter } from './buffered-writer.ts';

export type { ExportFormat };

export async function runExport(databaseUrl: string, format: ExportFormat, filter: RecordFilter, out: NodeJS.WritableStream): Promise<number> {
  const prisma = await prismaClientFor(databaseUrl);
  const writer = new BufferedWriter(out);
  let count = 0;
  if (format === 'csv') await writer.write(csvHeaderLine());
  for await (const record of iterateRecords(prisma, filter)) {
    count++;
    const text = exportLine(format, record);
    const pending = writer.write(text);
    if (pending) await pending;
  }
  await writer.end();
  return count;
}
