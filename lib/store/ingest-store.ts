// The write side of the store, behind one interface so the hot insert path can use each database's fastest way in.
import type { AccessRecord } from '../envoy/access-record.ts';
import { databaseKind } from './database-url.ts';

export interface SourceIdentity {
  /** Stable identity used to resume and de-duplicate (see Source.key in prisma/schema.prisma). */
  key: string;
  kind: 'file' | 'pod';
  namespace?: string | null;
  pod?: string | null;
  container?: string | null;
  podUid?: string | null;
  containerId?: string | null;
  location?: string | null;
  /** The format text (or JSON of a json_format). */
  format: string;
}

export interface Checkpoint {
  linesRead: number;
  bytesRead: number;
  fingerprint: string | null;
  /** Live sources: kubelet timestamp (RFC3339, 9 fraction digits) of the last line stored. */
  watermark: string | null;
  /** How many stored lines carry exactly that timestamp. */
  watermarkCount: number;
  records: number;
  rejected: number;
  ambiguous: number;
  /** Lines that are not access-log lines (Envoy's own messages), counted only. */
  otherLines: number;
  /** The container instance stopped and its log was read to the end. */
  finished: boolean;
}

export type EndpointKind = 'pod' | 'service' | 'external' | 'unknown';

/** Who the record's upstream and caller were at the record's own time (see lib/kube/ip-history.ts). */
export interface Attribution {
  upstreamKind: EndpointKind | null;
  upstreamNamespace: string | null;
  upstreamPod: string | null;
  upstreamService: string | null;
  upstreamAmbiguous: boolean;
  downstreamKind: EndpointKind | null;
  downstreamNamespace: string | null;
  downstreamPod: string | null;
}

export interface RecordRow {
  seq: number;
  record: AccessRecord;
  /** Epoch ms the container runtime received the line (live sources). */
  logTime?: number | null;
  attribution?: Attribution;
}

export interface RejectedRow {
  seq: number;
  reason: string;
  column: number | null;
  raw: string;
}

export interface IngestBatch {
  records: RecordRow[];
  rejects: RejectedRow[];
  /** The source's position after this batch; written in the same transaction as the rows. */
  checkpoint: Omit<Checkpoint, 'records' | 'rejected' | 'ambiguous' | 'otherLines' | 'finished'> & { finished?: boolean };
  /** Non-access lines consumed by this batch (counted, not stored). */
  otherLines?: number;
  /** Their positions, when known (live sources): then only those past the stored position count, so two collectors
   * reading the same lines count them once. Takes the place of otherLines. */
  otherLineSeqs?: number[];
}

export interface BatchResult {
  /** Rows actually added (rows already stored under the same source and seq are skipped). */
  recordsAdded: number;
  rejectsAdded: number;
}

export interface IngestStore {
  openSource(identity: SourceIdentity): Promise<{ sourceId: number; checkpoint: Checkpoint | null }>;
  writeBatch(sourceId: number, batch: IngestBatch): Promise<BatchResult>;
  /** Batches of several sources in one transaction: each source's rows and checkpoint commit together. */
  writeBatches(items: { sourceId: number; batch: IngestBatch }[]): Promise<BatchResult[]>;
  close(): Promise<void>;
}

/** Raw text kept for a rejected line (the full length is stored beside it). */
export const MAX_REJECTED_RAW = 64 * 1024;

/** Opens the store for writing, applying pending migrations first. */
export async function openIngestStore(databaseUrl: string): Promise<IngestStore> {
  const kind = databaseKind(databaseUrl);
  // Loaded on demand: the migration engine finds its files beside its source, which a bundled server cannot do.
  const { deployMigrations } = await import('./migrate.ts');
  await deployMigrations(databaseUrl);
  if (kind === 'postgresql') {
    const { PostgresIngestStore } = await import('./postgres/postgres-ingest-store.ts');
    return new PostgresIngestStore(databaseUrl);
  }
  const { SqliteIngestStore } = await import('./sqlite/sqlite-ingest-store.ts');
  return new SqliteIngestStore(databaseUrl);
}
