// What the trace page and its API answer for an id: the trace of the records carrying exactly that X-Request-ID, or
// else the ids that start with it, or nothing.
import { z } from 'zod';
import { buildTrace, type Trace } from '../analysis/traces.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { searchRequestIds, traceRecords, TRACE_LIMIT_MAX, type RequestIdMatch } from '../store/queries/trace-records.ts';
import { isMissingTable } from './api-response.ts';

/** A request id (or a prefix of one) as a URL names it: 1..256 characters, compared exactly as stored. */
export const requestIdSchema = z.string().min(1, 'a request id is required').max(256, 'a request id is at most 256 characters');

/**
 * A page's dynamic segment as the id it names. Next.js hands pages their params still percent-encoded (route handlers
 * get them decoded), so `/trace/a%2Fb` names `a/b`; null for a malformed escape such as a lone `%`.
 */
export function decodePathSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export type TraceLookup =
  | { kind: 'trace'; trace: Trace; /** More records carry the id than were read. */ truncated: boolean }
  | { kind: 'matches'; prefix: string; matches: RequestIdMatch[] }
  | { kind: 'none'; prefix: string; /** The id was too short to search as a prefix. */ shortPrefix?: boolean };

/** Ids listed for a prefix. */
export const PREFIX_MATCHES = 50;
/** Shorter prefixes match most of a large table; they are looked up exactly only. */
export const MIN_PREFIX = 4;

export async function lookUpTrace(prisma: PrismaClient, requestId: string): Promise<TraceLookup> {
  try {
    const records = await traceRecords(prisma, requestId, TRACE_LIMIT_MAX);
    if (records.length > 0) return { kind: 'trace', trace: buildTrace(records), truncated: records.length >= TRACE_LIMIT_MAX };
    if (requestId.length < MIN_PREFIX) return { kind: 'none', prefix: requestId, shortPrefix: true };
    const matches = await searchRequestIds(prisma, requestId, PREFIX_MATCHES);
    return matches.length > 0 ? { kind: 'matches', prefix: requestId, matches } : { kind: 'none', prefix: requestId };
  } catch (err) {
    if (isMissingTable(err)) return { kind: 'none', prefix: requestId };
    throw err;
  }
}
