// A finding's stored evidence (Finding.evidenceJson), read defensively for the dashboard: the plain figures it holds
// (counts, names, times), the sample records behind it, and the whole object as indented JSON. Evidence shapes differ
// per rule (lib/analysis); anything that does not parse is left out rather than breaking the page.
import { z } from 'zod';
import type { SampleRecord } from '../analysis-store.ts';

/** A sample record as the analysis stored it (lib/store/analysis-store.ts), its id possibly lost. */
export type EvidenceSample = Omit<SampleRecord, 'id'> & { id: number | null };

/** One top-level figure: a number, text, yes/no, or a list of names. */
export interface EvidenceFact {
  key: string;
  value: number | string | boolean | string[];
}

export interface FindingEvidence {
  facts: EvidenceFact[];
  samples: EvidenceSample[];
  /** The evidence without its samples, as indented JSON; null when there is nothing beyond the facts. */
  json: string | null;
}

const text = z.string().nullable().optional().catch(null).transform((v) => v ?? null);
const int = z.number().finite().nullable().optional().catch(null).transform((v) => v ?? null);
const sampleSchema = z.object({
  id: int, startTimeMs: int, requestId: text, method: text, path: text, status: int, upstreamHost: text,
  upstreamCluster: text, responseFlags: text, sourceNamespace: text, sourcePod: text,
});

const MAX_SAMPLES = 20;
const MAX_LIST = 50;

export const EMPTY_EVIDENCE: FindingEvidence = { facts: [], samples: [], json: null };

export function parseEvidence(json: string | null): FindingEvidence {
  if (!json) return EMPTY_EVIDENCE;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return EMPTY_EVIDENCE;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return EMPTY_EVIDENCE;
  const { samples: rawSamples, ...rest } = value as Record<string, unknown>;
  const samples = (Array.isArray(rawSamples) ? rawSamples : []).slice(0, MAX_SAMPLES).flatMap((s) => {
    // Fields of the wrong type read as null; a sample with nothing left is dropped.
    const parsed = sampleSchema.safeParse(s);
    return parsed.success && Object.values(parsed.data).some((v) => v !== null) ? [parsed.data] : [];
  });
  const facts: EvidenceFact[] = [];
  let nested = false;
  for (const [key, v] of Object.entries(rest)) {
    if (typeof v === 'number' && Number.isFinite(v)) facts.push({ key, value: v });
    else if (typeof v === 'string' || typeof v === 'boolean') facts.push({ key, value: v });
    else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) facts.push({ key, value: (v as string[]).slice(0, MAX_LIST) });
    else if (v !== null && !(Array.isArray(v) && v.length === 0)) nested = true;
  }
  return { facts, samples, json: nested ? JSON.stringify(rest, null, 2) : null };
}
