// The addresses Envoy logs (`10.244.0.81:10000`, `[fd00::5]:8080`, `tcp://10.0.2.1:80`, a socket path, an
// `envoy://` internal address): checking them in a line, and splitting them into host and port.

export interface HostPort {
  /** The IP (IPv6 without brackets), or null for socket paths and internal addresses. */
  ip: string | null;
  port: number | null;
}

const ipv4Port = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const ipv6Port = /^\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]:(\d{1,5})$/;
const bareIp = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[\w.-]+)?)$/;

export function splitAddress(address: string): HostPort {
  const text = address.startsWith('tcp://') || address.startsWith('udp://') ? address.slice(6) : address;
  const m = ipv4Port.exec(text) ?? ipv6Port.exec(text);
  if (m) return { ip: m[1]!, port: Number(m[2]) };
  if (bareIp.test(text)) return { ip: text, port: null };
  return { ip: null, port: null };
}

// Hand-written checks for the parser's hot path (a regex would need the span sliced out first).

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isZoneChar = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;

/** The digits at line[start, end) as a number ≤ max, 1..maxDigits of them; -1 otherwise. */
function number(line: string, start: number, end: number, maxDigits: number, max: number): number {
  if (end <= start || end - start > maxDigits) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + c - 48;
  }
  return n <= max ? n : -1;
}

/** Dotted quad at line[start, end). */
function isIpv4(line: string, start: number, end: number): boolean {
  let groupStart = start;
  let dots = 0;
  for (let i = start; i <= end; i++) {
    if (i < end && line.charCodeAt(i) !== 46) continue;
    if (number(line, groupStart, i, 3, 255) < 0) return false;
    if (i < end && ++dots > 3) return false;
    groupStart = i + 1;
  }
  return dots === 3;
}

/** IPv6 text at line[start, end): hex, colons (at least two), dots for an embedded IPv4, then an optional %zone. */
function isIpv6(line: string, start: number, end: number): boolean {
  if (end - start < 2) return false;
  let colons = 0;
  let i = start;
  for (; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === 58) colons++;
    else if (c === 37 /* % */) break;
    else if (!isHex(c) && c !== 46) return false;
  }
  if (colons < 2 || i - start > 45) return false;
  if (i === end) return true;
  if (i + 1 === end) return false;
  for (let k = i + 1; k < end; k++) if (!isZoneChar(line.charCodeAt(k))) return false;
  return true;
}

/** A socket path, an abstract socket `@name` or an internal `envoy://` address: no blanks, no quotes. */
function isPathLike(line: string, start: number, end: number): boolean {
  const c = line.charCodeAt(start);
  if (c !== 47 /* / */ && c !== 64 /* @ */ && !line.startsWith('envoy://', start)) return false;
  for (let i = start; i < end; i++) {
    const k = line.charCodeAt(i);
    if (k === 32 || k === 9 || k === 34) return false;
  }
  return true;
}

const isDash = (line: string, start: number, end: number) => end - start === 1 && line.charCodeAt(start) === 45;

/** `ip:port`, `[ipv6]:port` (optionally after `tcp://` or `udp://`), a socket path, an internal address, or `-`. */
export function isValidAddress(line: string, start: number, end: number): boolean {
  if (end <= start) return false;
  const first = line.charCodeAt(start);
  // The usual case first: an IPv4 address and port.
  if (isDigit(first)) return ipv4AndPort(line, start, end);
  if (isDash(line, start, end) || isPathLike(line, start, end)) return true;
  if (line.startsWith('tcp://', start) || line.startsWith('udp://', start)) start += 6;
  if (line.charCodeAt(start) !== 91 /* [ */) return ipv4AndPort(line, start, end);
  let colon = end - 1;
  while (colon > start && line.charCodeAt(colon) !== 58) colon--;
  if (colon <= start || number(line, colon + 1, end, 5, 65535) < 0) return false;
  return line.charCodeAt(colon - 1) === 93 /* ] */ && isIpv6(line, start + 1, colon - 1);
}

/** `a.b.c.d:port` in one pass. */
function ipv4AndPort(line: string, start: number, end: number): boolean {
  let dots = 0, digits = 0, value = 0;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + c - 48;
      if (++digits > 3 || value > 255) return false;
    } else if (c === 46 && digits > 0 && dots < 3) {
      dots++;
      digits = value = 0;
    } else if (c === 58 && digits > 0 && dots === 3) {
      return number(line, i + 1, end, 5, 65535) >= 0;
    } else return false;
  }
  return false;
}

/** An address without its port (`_WITHOUT_PORT`), optionally masked to CIDR (`10.1.0.0/16`), or `-`. */
export function isValidIp(line: string, start: number, end: number): boolean {
  if (end <= start) return false;
  if (isDash(line, start, end) || isPathLike(line, start, end)) return true;
  let slash = start;
  while (slash < end && line.charCodeAt(slash) !== 47) slash++;
  if (slash < end) {
    if (number(line, slash + 1, end, 3, 128) < 0) return false;
    end = slash;
  }
  return isIpv4(line, start, end) || isIpv6(line, start, end);
}
