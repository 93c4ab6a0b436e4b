// Splits the addresses Envoy logs (`10.244.0.81:10000`, `[fd00::5]:8080`, `tcp://10.0.2.1:80`, a socket path).

export interface HostPort {
  /** The IP (IPv6 without brackets), or null for socket paths and internal addresses. */
  ip: string | null;
  port: number | null;
}

const ipv4Port = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const ipv6Port = /^\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]:(\d{1,5})$/;
const bareIp = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;

export function splitAddress(address: string): HostPort {
  const text = address.replace(/^(?:tcp|udp):\/\//, '');
  const m = ipv4Port.exec(text) ?? ipv6Port.exec(text);
  if (m) return { ip: m[1]!, port: Number(m[2]) };
  if (bareIp.test(text)) return { ip: text, port: null };
  return { ip: null, port: null };
}
