// What the simulated Envoy knows about one finished request: everything an access-log operator can print. Absent
// (undefined or null) means Envoy never learned the value, so the line shows `-` (text) or null (json_format).

export interface AccessRequest {
  /** Epoch ms of the first downstream byte. */
  startMs: number;
  /** Nanoseconds within that millisecond (0..999999), for `%6f` / `%9f` START_TIME forms. */
  startSubMsNanos?: number;
  method?: string | null;
  /** The :path header. */
  path?: string | null;
  /** x-envoy-original-path, set when a route rewrote the path. */
  originalPath?: string | null;
  /** `HTTP/1.0`, `HTTP/1.1`, `HTTP/2`, `HTTP/3`. */
  protocol?: string | null;
  /** 0 when no response was sent. */
  status: number;
  /** Short codes (`UF`, `URX`), in Envoy's order; empty for none. */
  responseFlags: string[];
  bytesReceived: number;
  bytesSent: number;
  /** Milliseconds start → last byte out; null when the stream never finished. */
  durationMs?: number | null;
  /** The x-envoy-upstream-service-time response header; null when Envoy answered itself. */
  upstreamServiceTimeMs?: number | null;
  requestId?: string | null;
  userAgent?: string | null;
  forwardedFor?: string | null;
  authority?: string | null;
  /** `ip:port` of the chosen endpoint; null when none was chosen (UH, NR). */
  upstreamHost?: string | null;
  upstreamCluster?: string | null;
  upstreamLocalAddress?: string | null;
  downstreamRemoteAddress?: string | null;
  downstreamLocalAddress?: string | null;
  routeName?: string | null;
  /** e.g. via_upstream, route_not_found; may hold spaces, which RESPONSE_CODE_DETAILS turns into `_`. */
  responseCodeDetails?: string | null;
  connectionTerminationDetails?: string | null;
  upstreamTransportFailureReason?: string | null;
  requestedServerName?: string | null;
  upstreamProtocol?: string | null;
  attemptCount?: number;
  connectionId?: number;
  hostname?: string | null;
  /** Further request headers by lower-case name, for REQ(...) operators the fields above do not cover. */
  requestHeaders?: Record<string, string>;
  /** Further response headers by lower-case name. */
  responseHeaders?: Record<string, string>;
  /** ENVIRONMENT(...) values. */
  environment?: Record<string, string>;
}
