// The dashboard's export: the records of a filter streamed as CSV or NDJSON, read from the store a page at a time and
// sent as the reader takes them, so an export of millions of records holds one page in memory.
import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { csvHeaderLine, EXPORT_FORMATS, exportContentType, exportFilename, exportLine, type ExportFormat } from '../export/record-lines.ts';
import { iterateRecords } from '../store/queries/records.ts';
import type { RecordFilter } from '../store/queries/record-filter.ts';
import { isMissingTable, type BadParam } from './api-response.ts';
import type { FilterParams } from './filter-params.ts';

const formatSchema = z.enum(EXPORT_FORMATS);

/** `?format=csv|ndjson` (required: a link always says which). */
export function parseExportFormat(search: URLSearchParams): { ok: true; format: ExportFormat } | ({ ok: false } & BadParam) {
  const all = search.getAll('format');
  if (all.length > 1) return { ok: false, param: 'format', message: 'given more than once' };
  const parsed = formatSchema.safeParse(all[0]);
  if (!parsed.success) return { ok: false, param: 'format', message: `expected ${EXPORT_FORMATS.join(' or ')}` };
  return { ok: true, format: parsed.data };
}

/** Text is sent in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

/** The matching records as a byte stream: a CSV header first (CSV), then one line per record, oldest first. */
export function recordExportStream(prisma: PrismaClient, filter: RecordFilter, format: ExportFormat, pageSize = 2000): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const records = iterateRecords(prisma, filter, pageSize);
  let header = format === 'csv' ? csvHeaderLine() : '';
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const parts: string[] = header ? [header] : [];
      let size = header.length;
      header = '';
      let done = false;
      try {
        while (size < CHUNK_CHARS) {
          const next = await records.next();
          if (next.done) {
            done = true;
            break;
          }
          const line = exportLine(format, next.value);
          parts.push(line);
          size += line.length;
        }
      } catch (err) {
        if (!isMissingTable(err)) {
          controller.error(err);
          return;
        }
        done = true;
      }
      if (parts.length) controller.enqueue(encoder.encode(parts.join('')));
      if (done) controller.close();
    },
    async cancel() {
      await records.return(undefined);
    },
  });
}

/** The download's name: what was filtered, and when it was taken. */
function filenameOf(format: ExportFormat, params: FilterParams, now: Date): string {
  const range = params.from !== undefined || params.to !== undefined ? 'custom' : params.range === 'latest' ? undefined : params.range;
  return exportFilename(format, [params.ns, params.pod, params.cluster, params.upstream, params.status, params.path, range], now);
}

/** The HTTP answer for an export: an attachment, streamed. */
export function recordExportResponse(
  prisma: PrismaClient,
  format: ExportFormat,
  { params, filter }: { params: FilterParams; filter: RecordFilter },
  now = new Date(),
): Response {
  return new Response(recordExportStream(prisma, filter, format), {
    headers: {
      'Content-Type': exportContentType[format],
      'Content-Disposition': `attachment; filename="${filenameOf(format, params, now)}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
