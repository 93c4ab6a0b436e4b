// GET /readyz: 200 when the database answers and is migrated, 503 with the reason otherwise (a readiness probe: no
// auth).
import { readinessResponse } from '../../lib/web/readiness';
import { loadSettings } from '../../lib/settings';
import { prismaClientFor } from '../../lib/store/prisma-client';

export const dynamic = 'force-dynamic';

export function GET(): Promise<Response> {
  return readinessResponse(() => prismaClientFor(loadSettings().databaseUrl));
}
