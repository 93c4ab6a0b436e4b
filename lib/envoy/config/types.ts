// What envoy-lens takes from an Envoy bootstrap: listeners with their access loggers, and clusters with their endpoints.
import type { FormatSpec } from '../compile-format.ts';

/** Where something sits: the line in the file that was read (for a ConfigMap, the ConfigMap file) and the path in
 * the Envoy bootstrap. For a ConfigMap value that is not a literal block, `line` is where the value starts. */
export interface Located {
  line: number;
  configPath: string;
}

export interface EnvoyConfig {
  /** The file name as given, used in messages. */
  fileName: string;
  origin: ConfigOrigin;
  listeners: ListenerConfig[];
  clusters: ClusterConfig[];
}

export type ConfigOrigin =
  | { kind: 'bootstrap' }
  | {
      kind: 'configmap';
      /** metadata.name, when the ConfigMap has one. */
      name?: string;
      /** The data key holding the bootstrap, e.g. envoy.yaml. */
      key: string;
      /** 'exact' for a literal block (`envoy.yaml: |`), else lines are where the value starts. */
      lines: 'exact' | 'approximate';
    };

export interface SocketAddress extends Located {
  address: string;
  /** port_value; absent for a named_port or a socket without port. */
  port?: number;
}

export interface ListenerConfig extends Located {
  /** The listener's name, or `listener[N]` when it has none. */
  name: string;
  unnamed: boolean;
  address?: SocketAddress;
  accessLoggers: AccessLoggerConfig[];
}

/** Which part of Envoy writes the log, and so what one line stands for. */
export type AccessLogScope =
  | 'http_connection_manager' // one line per HTTP request
  | 'listener' // one line per connection that no filter chain took, or that the listener closed
  | 'tcp_proxy' // one line per TCP connection (HTTP operators print -)
  | 'router_upstream'; // the router's upstream_log: one line per upstream attempt

/** Where a text logger's lines go. A FileAccessLog to /dev/stdout is stdout: what `kubectl logs` shows. */
export type LogOutput = 'stdout' | 'stderr' | 'file';

interface AccessLoggerBase extends Located {
  /** The listener the logger belongs to. */
  listener: string;
  scope: AccessLogScope;
  /** The entry's `name`: informative only, Envoy chooses the implementation by `@type`. */
  name?: string;
  /** The typed_config `@type` without its URL prefix, or for a v2 `config:` entry its `name`. */
  type: string;
  /** Whether the entry has a `filter`, so some requests are not logged. */
  filtered: boolean;
}

/** A logger writing text lines envoy-lens can read: StdoutAccessLog, StderrAccessLog or FileAccessLog. */
export interface TextAccessLogger extends AccessLoggerBase {
  sink: 'stdout' | 'stderr' | 'file';
  output: LogOutput;
  /** The file, for sink 'file'. */
  path?: string;
  format: FormatSpec;
  /** 'default' when no format is configured and Envoy uses its default format. */
  formatOrigin: 'configured' | 'default';
  /** Path of the configured format (`….log_format.text_format`), absent for the default. */
  formatPath?: string;
  /** log_format.omit_empty_values: missing values print as nothing (text) or drop the key (JSON) instead of `-`. */
  omitEmptyValues: boolean;
}

/** Any other logger (gRPC, OpenTelemetry, fluentd, wasm…): no text lines to read. */
export interface OtherAccessLogger extends AccessLoggerBase {
  sink: 'other';
}

export type AccessLoggerConfig = TextAccessLogger | OtherAccessLogger;

export type ClusterDiscoveryType = 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS' | 'ORIGINAL_DST';

export type LbPolicy =
  | 'ROUND_ROBIN'
  | 'LEAST_REQUEST'
  | 'RING_HASH'
  | 'RANDOM'
  | 'MAGLEV'
  | 'CLUSTER_PROVIDED'
  | 'LOAD_BALANCING_POLICY_CONFIG'
  | 'ORIGINAL_DST_LB'; // v2 only

export interface ClusterConfig extends Located {
  name: string;
  /** The discovery `type` (v3 default STATIC), or 'EXTENSION' when `cluster_type` names a custom cluster. */
  type: ClusterDiscoveryType | 'EXTENSION';
  /** cluster_type.name, e.g. envoy.clusters.dynamic_forward_proxy. */
  extension?: string;
  lbPolicy: LbPolicy;
  /** load_assignment socket addresses (or the v2 `hosts`); EDS clusters usually have none. */
  endpoints: SocketAddress[];
  /** dns_refresh_rate in milliseconds, when set. */
  dnsRefreshRateMs?: number;
}
