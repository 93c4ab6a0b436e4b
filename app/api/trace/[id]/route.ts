// GET /api/trace/<X-Request-ID>: the trace as JSON ({ kind: 'trace', trace }), or the ids starting with it
// ({ kind: 'matches', matches }), or 404 when none does.
import { badRequest, jsonResponse } from '../../../../lib/web/api-response';
import { lookUpTrace, requestIdSchema } from '../../../../lib/web/trace-lookup';
import { loadSettings } from '../../../../lib/settings';
import { prismaClientFor } from '../../../../lib/store/prisma-client';
import { timedRoute } from '../../../../lib/web/request-metrics';

export const dynamic = 'force-dynamic';
export const GET = timedRoute('/api/trace/[id]', get);

async function get(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const id = requestIdSchema.safeParse((await params).id);
  if (!id.success) return badRequest({ param: 'id', message: id.error.issues[0]?.message ?? 'not a request id' });
  const found = await lookUpTrace(await prismaClientFor(loadSettings().databaseUrl), id.data);
  if (found.kind === 'none') return jsonResponse({ error: 'id: no record has an X-Request-ID equal to or starting with it', kind: 'none' }, 404);
  return jsonResponse(found);
}
