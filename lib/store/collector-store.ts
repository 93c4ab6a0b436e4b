// What the live collector keeps besides records: the container instances it has read, gaps it could not fill, the
// history of pod and Service IPs and of Service endpoints, and its status for the dashboard.
import type { KubeObjectRow } from './analysis-store.ts';
import type { Checkpoint, IngestStore } from './ingest-store.ts';
import { databaseKind } from './database-url.ts';

export type GapReason = 'rotated' | 'instance-unreachable' | 'instances-missed' | 'pod-deleted' | 'not-followed';

export interface GapRow {
  sourceId?: number | null;
  namespace: string;
  pod: string;
  podUid?: string | null;
  container: string;
  containerId?: string | null;
  /** Kubelet timestamp of the last line stored before the gap; null: from the instance's start. */
  fromTime: string | null;
  /** Timestamp of the first line read after it; null when nothing followed. */
  toTime: string | null;
  reason: GapReason;
  detail: string;
}

export interface KnownInstance {
  sourceId: number;
  containerId: string;
  checkpoint: Checkpoint | null;
}

/** A time range during which an IP belonged to a pod or was a Service's ClusterIP. */
export interface IpRow {
  kind: 'pod' | 'service';
  ip: string;
  namespace: string;
  /** The pod or Service name. */
  name: string;
  uid: string;
  node?: string | null;
  fromMs: number;
  toMs: number | null;
}

/** A ready endpoint of a Service over a time range. */
export interface EndpointRow {
  id?: number;
  namespace: string;
  service: string;
  ip: string;
  pod?: string | null;
  podUid?: string | null;
  fromMs: number;
  toMs: number | null;
}

export interface CollectorStatusRow {
  id: string;
  json: string;
  updatedAt: number;
}

export interface CollectorStore extends IngestStore {
  /** The instances of one container of one pod already read, with how far. */
  instancesOf(podUid: string, container: string): Promise<KnownInstance[]>;
  /** Stores a gap; returns its id. The same gap (container instance, reason, start) stored already by another
   * collector reading that container is not stored twice: its id is returned. */
  recordGap(gap: GapRow): Promise<number>;
  /** Narrows a gap's end once the first line after it is known. */
  setGapEnd(id: number, toTime: string | null): Promise<void>;
  /** Inserts an IP range, or closes it (sets toMs) when the same uid and IP are stored. */
  saveIp(row: IpRow): Promise<void>;
  ipHistory(): Promise<IpRow[]>;
  /** Opens an endpoint range; returns its id for closeEndpoint. When the same Service and IP are open already (another
   * collector watching the same EndpointSlices opened them), that range's id is returned and nothing is added. */
  openEndpoint(row: EndpointRow): Promise<number>;
  closeEndpoint(id: number, toMs: number): Promise<void>;
  openEndpoints(): Promise<EndpointRow[]>;
  /** Keeps the latest state of a Kubernetes object the analysis reads (firstSeenMs is kept from the first save). */
  saveKubeObject(row: KubeObjectRow): Promise<void>;
  /** Marks stored objects of `kind` that are not in `presentUids` (and not yet marked) as deleted at `ms`: they went
   * away while no collector watched. */
  markMissingKubeObjects(kind: KubeObjectRow['kind'], presentUids: ReadonlySet<string>, ms: number): Promise<void>;
  writeStatus(id: string, json: string): Promise<void>;
  readStatuses(): Promise<CollectorStatusRow[]>;
}

/**
 * Opens the store, applying pending migrations first unless told the database is migrated already (a bundled server
 * cannot load the migration engine, which finds its files next to its own source).
 */
export async function openCollectorStore(databaseUrl: string, options: { migrate?: boolean } = {}): Promise<CollectorStore> {
  const kind = databaseKind(databaseUrl);
  if (options.migrate !== false) {
    const { deployMigrations } = await import('./migrate.ts');
    await deployMigrations(databaseUrl);
  }
  if (kind === 'postgresql') {
    const { PostgresCollectorStore } = await import('./postgres/postgres-collector-store.ts');
    return new PostgresCollectorStore(databaseUrl);
  }
  const { SqliteCollectorStore } = await import('./sqlite/sqlite-collector-store.ts');
  return new SqliteCollectorStore(databaseUrl);
}
