// The read side the analysis needs (records counted per second, the cluster's history, the Kubernetes objects the
// collector kept) and the findings it writes back, behind one interface so each database answers in its own SQL.
import type { EndpointRow, IpRow } from './collector-store.ts';
import { databaseKind } from './database-url.ts';
import type { EndpointKind } from './ingest-store.ts';

/** Records sharing a source pod, Envoy cluster, upstream and second, counted. */
export interface TrafficCell {
  sourceNamespace: string | null;
  sourcePod: string | null;
  /** %UPSTREAM_CLUSTER%, null when the format lacks it. */
  cluster: string | null;
  upstreamIp: string | null;
  upstreamKind: EndpointKind | null;
  upstreamNamespace: string | null;
  upstreamPod: string | null;
  upstreamService: string | null;
  /** Records of the cell whose upstream was near an IP hand-over. */
  ambiguous: number;
  /** Epoch seconds (floor of startTime). */
  second: number;
  count: number;
}

/** 503s Envoy produced itself (flag UH, UF or NR) of a source and cluster in one second; a record with several of
 * these flags counts under the first of UH, UF, NR. */
export interface FailureCell {
  sourceNamespace: string | null;
  sourcePod: string | null;
  cluster: string | null;
  upstreamIp: string | null;
  flag: 'UH' | 'UF' | 'NR';
  second: number;
  count: number;
}

export interface KubeObjectRow {
  kind: 'Pod' | 'Service' | 'ConfigMap';
  namespace: string;
  name: string;
  uid: string;
  /** The trimmed object as JSON. */
  json: string;
  firstSeenMs: number;
  lastSeenMs: number;
  deletedMs: number | null;
}

/** A few records behind a finding, for its evidence. */
export interface SampleRecord {
  id: number;
  startTimeMs: number | null;
  requestId: string | null;
  method: string | null;
  path: string | null;
  status: number | null;
  upstreamHost: string | null;
  upstreamCluster: string | null;
  responseFlags: string | null;
  sourceNamespace: string | null;
  sourcePod: string | null;
}

export interface SampleFilter {
  fromMs: number;
  toMs: number;
  sourceNamespace?: string | null;
  sourcePod?: string | null;
  cluster?: string | null;
  upstreamIp?: string;
  status?: number;
}

export interface FindingRow {
  key: string;
  code: string;
  severity: string;
  resourceKind: string;
  resourceNamespace: string | null;
  resourceName: string;
  location: string | null;
  title: string;
  message: string;
  fixJson: string | null;
  evidenceJson: string;
  firstSeenMs: number | null;
  lastSeenMs: number | null;
  suppressedBy: string | null;
  analyzedAtMs: number;
}

export interface AnalysisStore {
  /** Earliest and latest record start times (of those before `before`, when given), or null with no records. */
  recordTimeRange(o?: { before?: number }): Promise<{ fromMs: number; toMs: number } | null>;
  /** Records whose format has no start time: they cannot be placed in a window. */
  recordsWithoutStartTime(): Promise<number>;
  /** Records starting at or after `ms`. */
  recordsAfter(ms: number): Promise<number>;
  /** Records counted per source, cluster, upstream and time slot: `slotSeconds` wide (1 by default), each cell's
   * `second` the start of its slot. */
  trafficCells(fromMs: number, toMs: number, slotSeconds?: number): Promise<TrafficCell[]>;
  failureCells(fromMs: number, toMs: number): Promise<FailureCell[]>;
  ipHistory(): Promise<IpRow[]>;
  endpointHistory(): Promise<EndpointRow[]>;
  kubeObjects(): Promise<KubeObjectRow[]>;
  sampleRecords(filter: SampleFilter, limit: number): Promise<SampleRecord[]>;
  /** Replaces every stored finding with these, in one transaction. */
  replaceFindings(rows: FindingRow[]): Promise<void>;
  findings(): Promise<FindingRow[]>;
  close(): void;
}

/** Opens the analysis side of the store; the database must be migrated. */
export async function openAnalysisStore(databaseUrl: string): Promise<AnalysisStore> {
  if (databaseKind(databaseUrl) === 'postgresql') {
    const { PostgresAnalysisStore } = await import('./postgres/postgres-analysis-store.ts');
    return new PostgresAnalysisStore(databaseUrl);
  }
  const { SqliteAnalysisStore } = await import('./sqlite/sqlite-analysis-store.ts');
  return new SqliteAnalysisStore(databaseUrl);
}
