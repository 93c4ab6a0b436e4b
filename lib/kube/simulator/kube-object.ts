// The simulator's view of a Kubernetes object: plain JSON as the API serves it. Kinds keep their own fields; only
// metadata is common, and the simulator's store owns uid, resourceVersion and creationTimestamp.
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: unknown[];
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** One record a container wrote, with the time the runtime received it (RFC3339, 9 fraction digits, UTC). */
export interface LogLine {
  time: string;
  /** The text without its newline. */
  text: string;
  /** A runtime splits lines over 16 KiB into partial records; all but the last of a line are partial (CRI `P`). */
  partial?: boolean;
  /** For the simulator's ground truth: the X-Request-ID of the access-log line this record belongs to. */
  requestId?: string;
}
