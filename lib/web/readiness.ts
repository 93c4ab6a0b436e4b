// /readyz: ready when the database answers a trivial query and holds the schema (the Finding table, the newest
// migration's); otherwise why not, for a 503. Reasons name no path or credential: the probe answers without auth.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { lastLine } from './api-response.ts';

export type Readiness = { ready: true } | { ready: false; reason: string };

const TIMEOUT_MS = 2_000;

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'TIMEOUT' })), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function checkReadiness(prisma: PrismaClient | (() => PrismaClient | Promise<PrismaClient>), timeoutMs = TIMEOUT_MS): Promise<Readiness> {
  try {
    const client = typeof prisma === 'function' ? await prisma() : prisma;
    await withTimeout(client.$queryRaw`SELECT 1`, timeoutMs);
    try {
      await withTimeout(client.finding.findFirst({ select: { id: true } }), timeoutMs);
    } catch (err) {
      // P2021: the table does not exist.
      if (errorCode(err) === 'P2021') return { ready: false, reason: 'database not migrated: the Finding table is missing (run envoy-lens serve, or npm run db:migrate)' };
      throw err;
    }
    return { ready: true };
  } catch (err) {
    console.error(`envoy-lens: /readyz: ${lastLine((err as Error).message)}`);
    const code = errorCode(err);
    return { ready: false, reason: `database did not answer${code ? ` (${code})` : ''}` };
  }
}

export async function readinessResponse(prisma: PrismaClient | (() => PrismaClient | Promise<PrismaClient>)): Promise<Response> {
  const r = await checkReadiness(prisma);
  return new Response(r.ready ? 'ready\n' : `not ready: ${r.reason}\n`, {
    status: r.ready ? 200 : 503,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

