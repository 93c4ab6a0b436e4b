// GET /api/export?format=csv|ndjson&<filters>: the records of the dashboard's filter as a streamed download, with the
// same columns and formula defusing as `envoy-lens export`.
import { badRequest, searchParamsRecord } from '../../../lib/web/api-response';
import { pageFilter } from '../../../lib/web/page-filter';
import { parseExportFormat, recordExportResponse } from '../../../lib/web/record-export';
import { loadSettings } from '../../../lib/settings';
import { prismaClientFor } from '../../../lib/store/prisma-client';
import { timedRoute } from '../../../lib/web/request-metrics';

export const dynamic = 'force-dynamic';
export const GET = timedRoute('/api/export', get);

async function get(request: Request): Promise<Response> {
  const search = new URL(request.url).searchParams;
  const format = parseExportFormat(search);
  if (!format.ok) return badRequest(format);
  const filter = await pageFilter(searchParamsRecord(search));
  if (!filter.ok) return badRequest(filter);
  return recordExportResponse(await prismaClientFor(loadSettings().databaseUrl), format.format, filter);
}
