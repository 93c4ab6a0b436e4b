// How the dashboard's API routes answer: JSON, and for bad input a 400 that names the parameter (never a stack).

/** A parameter that did not validate: which one, and why. */
export interface BadParam {
  param: string;
  message: string;
}

export function badRequest({ param, message }: BadParam): Response {
  return Response.json({ error: `${param}: ${message}`, param }, { status: 400, headers: { 'Cache-Control': 'no-store' } });
}

export function jsonResponse(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });
}

/**
 * A request's query as the record pages read it (lib/web/page-filter.ts): a key given twice becomes a list, which the
 * filter schema refuses by name.
 */
export function searchParamsRecord(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(search.keys())) {
    const all = search.getAll(key);
    out[key] = all.length > 1 ? all : all[0]!;
  }
  return out;
}

/** Prisma's "table does not exist": a database that was never migrated holds no records. */
export function isMissingTable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'P2021';
}

/** Prisma's messages quote the calling code first; the cause is the last line. */
export const lastLine = (message: string): string => message.trim().split('\n').at(-1)?.trim() ?? '';
