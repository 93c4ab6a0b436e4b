// Faults a test asks for: the next N requests on a path answered with 500, 403, 429 or 503 as the real apiserver words
// them, added latency, and watches told their resourceVersion expired. Rules are consumed in the order they were added.
import { makeStatus, type KubeStatus } from './status.ts';

export type FaultCode = 403 | 429 | 500 | 503;

export interface FaultRule {
  /** Matches request paths starting with this (`/api/v1/namespaces/default/pods`). */
  pathPrefix: string;
  /** Only this HTTP method; any when absent. */
  method?: string;
  /** Only watch requests (true) or only non-watch requests (false); any when absent. */
  watch?: boolean;
  code: FaultCode;
  /** How many more requests this rule fails. */
  remaining: number;
  /** 429 only: the Retry-After the server asks for (default 1 s). */
  retryAfterSeconds?: number;
}

export interface LatencyRule {
  pathPrefix: string;
  ms: number;
  /** Requests left to delay; unlimited when absent. */
  remaining?: number;
}

/** What the request is, for messages worded like the apiserver's (`cannot list resource "pods"`). */
export interface RequestInfo {
  method: string;
  path: string;
  watch: boolean;
  verb: string;
  resource?: string;
  group?: string;
  namespace?: string;
}

export interface InjectedFault {
  status: KubeStatus;
  headers: Record<string, string>;
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private latencies: LatencyRule[] = [];
  private expireWatches = 0;
  /** Requests answered with an injected fault so far. */
  injected = 0;

  add(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  addLatency(rule: LatencyRule): void {
    this.latencies.push({ ...rule });
  }

  /** The next `count` watch requests get 410 Expired, whatever resourceVersion they ask for. */
  expireNextWatches(count: number): void {
    this.expireWatches += count;
  }

  clear(): void {
    this.rules = [];
    this.latencies = [];
    this.expireWatches = 0;
  }

  pending(): { rules: FaultRule[]; latencies: LatencyRule[]; expireWatches: number } {
    return { rules: this.rules.map((r) => ({ ...r })), latencies: this.latencies.map((l) => ({ ...l })), expireWatches: this.expireWatches };
  }

  takeWatchExpiry(): boolean {
    if (this.expireWatches <= 0) return false;
    this.expireWatches--;
    return true;
  }

  /** Milliseconds to hold this request before answering. */
  latencyFor(path: string): number {
    const rule = this.latencies.find((l) => path.startsWith(l.pathPrefix) && (l.remaining === undefined || l.remaining > 0));
    if (!rule) return 0;
    if (rule.remaining !== undefined) rule.remaining--;
    this.latencies = this.latencies.filter((l) => l.remaining === undefined || l.remaining > 0);
    return rule.ms;
  }

  /** The fault to answer this request with, consuming one use of the first matching rule. */
  take(info: RequestInfo): InjectedFault | undefined {
    const rule = this.rules.find(
      (r) =>
        r.remaining > 0 &&
        info.path.startsWith(r.pathPrefix) &&
        (r.method === undefined || r.method.toUpperCase() === info.method) &&
        (r.watch === undefined || r.watch === info.watch),
    );
    if (!rule) return undefined;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    this.injected++;
    return faultResponse(rule, info);
  }
}

function faultResponse(rule: FaultRule, info: RequestInfo): InjectedFault {
  switch (rule.code) {
    case 403: {
      const resource = info.resource ?? 'the requested resource';
      const where = info.namespace ? ` in the namespace "${info.namespace}"` : info.resource ? ' at the cluster scope' : '';
      const message = `${resource} is forbidden: User "system:serviceaccount:envoy-lens:envoy-lens" cannot ${info.verb} resource "${resource}" in API group "${info.group ?? ''}"${where}`;
      const details = info.resource ? { kind: info.resource, ...(info.group ? { group: info.group } : {}) } : undefined;
      return { status: makeStatus(403, 'Forbidden', message, details), headers: {} };
    }
    case 429: {
      const seconds = rule.retryAfterSeconds ?? 1;
      const status = makeStatus(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: seconds });
      return { status, headers: { 'Retry-After': String(seconds) } };
    }
    case 503:
      return { status: makeStatus(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'), headers: {} };
    default:
      return { status: makeStatus(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out'), headers: {} };
  }
}
