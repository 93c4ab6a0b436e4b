// Listeners and the access loggers hanging off them: the listener's own, the HTTP connection manager's, TCP proxy's,
// and the router's upstream_log.
import { readAccessLogs, type LoggerContext } from './access-loggers.ts';
import type { ConfigNode } from './config-node.ts';
import { isExtension, readExtension } from './extension.ts';
import type { FormatChecker } from './log-format.ts';
import { readSocketAddress } from './socket-address.ts';
import type { AccessLoggerConfig, AccessLogScope, ListenerConfig } from './types.ts';

const httpConnectionManager = {
  what: 'network filter',
  types: [
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    'envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager',
  ],
  names: ['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager'],
};

const tcpProxy = {
  what: 'network filter',
  types: ['envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', 'envoy.config.filter.network.tcp_proxy.v2.TcpProxy'],
  names: ['envoy.filters.network.tcp_proxy', 'envoy.tcp_proxy'],
};

const router = {
  what: 'HTTP filter',
  types: ['envoy.extensions.filters.http.router.v3.Router', 'envoy.config.filter.http.router.v2.Router'],
  names: ['envoy.filters.http.router', 'envoy.router'],
};

export function readListener(listener: ConfigNode, index: number, checker: FormatChecker): ListenerConfig {
  listener.mapping('a listener');
  const given = listener.field('name').optionalText();
  const name = given || `listener[${index}]`;
  const context = (scope: AccessLogScope): LoggerContext => ({ listener: name, scope, checker });

  const accessLoggers: AccessLoggerConfig[] = [];
  const chains = listener.field('filter_chains').items();
  if (listener.has('default_filter_chain')) chains.push(listener.field('default_filter_chain'));
  for (const chain of chains) {
    chain.mapping('a filter chain');
    for (const filter of chain.field('filters').items()) accessLoggers.push(...networkFilterLoggers(filter, context));
  }
  accessLoggers.push(...readAccessLogs(listener.field('access_log'), context('listener')));

  const result: ListenerConfig = { name, unnamed: !given, line: listener.line, configPath: listener.path, accessLoggers };
  const address = readSocketAddress(listener.field('address'));
  if (address) result.address = address;
  return result;
}

function networkFilterLoggers(filter: ConfigNode, context: (scope: AccessLogScope) => LoggerContext): AccessLoggerConfig[] {
  filter.mapping('a network filter');
  const ext = readExtension(filter);
  if (isExtension(ext, tcpProxy)) return readAccessLogs(ext.config.field('access_log'), context('tcp_proxy'));
  if (!isExtension(ext, httpConnectionManager)) return [];

  const loggers = readAccessLogs(ext.config.field('access_log'), context('http_connection_manager'));
  for (const httpFilter of ext.config.field('http_filters').items()) {
    httpFilter.mapping('an HTTP filter');
    const filterExt = readExtension(httpFilter);
    if (isExtension(filterExt, router)) loggers.push(...readAccessLogs(filterExt.config.field('upstream_log'), context('router_upstream')));
  }
  return loggers;
}
