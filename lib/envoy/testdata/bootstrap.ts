// Test builders for Envoy bootstraps: plain objects, written out as indented JSON (which the reader takes as YAML).
export const TYPE = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  tcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  stdout: 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  stderr: 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog',
  file: 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
  grpc: 'type.googleapis.com/envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig',
};

type Obj = Record<string, unknown>;

export function bootstrapText(listeners: Obj[], clusters: Obj[] = []): string {
  return JSON.stringify({ static_resources: { listeners, clusters } }, null, 2);
}

export function stdoutLogger(logFormat?: Obj): Obj {
  return { name: 'envoy.access_loggers.stdout', typed_config: { '@type': TYPE.stdout, ...(logFormat && { log_format: logFormat }) } };
}

export function stderrLogger(logFormat?: Obj): Obj {
  return { name: 'envoy.access_loggers.stderr', typed_config: { '@type': TYPE.stderr, ...(logFormat && { log_format: logFormat }) } };
}

export function fileLogger(path: string, fields: Obj = {}): Obj {
  return { name: 'envoy.access_loggers.file', typed_config: { '@type': TYPE.file, path, ...fields } };
}

export function httpListener(name: string, accessLog: Obj[], more: { upstreamLog?: Obj[]; listenerLog?: Obj[] } = {}): Obj {
  const router = { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE.router, ...(more.upstreamLog && { upstream_log: more.upstreamLog }) } };
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: 10000 } },
    filter_chains: [
      { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': TYPE.hcm, stat_prefix: name, access_log: accessLog, http_filters: [router] } }] },
    ],
    ...(more.listenerLog && { access_log: more.listenerLog }),
  };
}

export function tcpListener(name: string, accessLog: Obj[]): Obj {
  return {
    name,
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TYPE.tcpProxy, stat_prefix: name, cluster: 'c', access_log: accessLog } }] }],
  };
}
