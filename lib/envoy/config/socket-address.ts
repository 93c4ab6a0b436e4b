// `address: {socket_address: {address, port_value}}`, the form listeners and endpoints share.
import type { ConfigNode } from './config-node.ts';
import type { SocketAddress } from './types.ts';

/** The socket address inside an Address, or undefined for other kinds (pipe, envoy_internal_address) or none. */
export function readSocketAddress(address: ConfigNode): SocketAddress | undefined {
  if (!address.exists) return undefined;
  const socket = address.mapping('an address').field('socket_address');
  if (!socket.exists) return undefined;
  socket.mapping('a socket_address');
  const result: SocketAddress = {
    address: socket.field('address').text('a socket_address needs an IP or a DNS name'),
    line: socket.line,
    configPath: socket.path,
  };
  const port = socket.field('port_value').optionalInteger(0, 65535);
  if (port !== undefined) result.port = port;
  return result;
}
