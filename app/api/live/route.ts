// GET /api/live?<filters>&after=<id>: new records as Server-Sent Events, polled from the store, until the browser
// goes away. A reconnecting EventSource resumes from its Last-Event-ID.
import { badRequest } from '../../../lib/web/api-response';
import { parseLiveParams } from '../../../lib/web/live-params';
import { liveRecordStream } from '../../../lib/web/live-stream';
import { sseHeaders } from '../../../lib/web/sse';
import { loadSettings } from '../../../lib/settings';
import { prismaClientFor } from '../../../lib/store/prisma-client';
import { timedRoute } from '../../../lib/web/request-metrics';

export const dynamic = 'force-dynamic';
export const GET = timedRoute('/api/live', get);

async function get(request: Request): Promise<Response> {
  const live = parseLiveParams(new URL(request.url).searchParams, request.headers.get('last-event-id'));
  if (!live.ok) return badRequest(live);
  const stream = liveRecordStream(await prismaClientFor(loadSettings().databaseUrl), { filter: live.filter, afterId: live.afterId, signal: request.signal });
  return new Response(stream, { headers: sseHeaders });
}
