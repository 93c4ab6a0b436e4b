// The client side of simulated traffic: what callers send (method, path, protocol, headers). Kept apart from the
// Envoy side (envoy-sidecar.ts), which decides what happened to the request. All draws come from one seeded
// generator, so a seed gives the same traffic on every machine.

export type Rand = () => number;

export function pickWeighted<T>(rand: Rand, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [v, w] of weighted) if ((r -= w) < 0) return v;
  return weighted[weighted.length - 1]![0];
}

export function pickOne<T>(rand: Rand, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

/** A version-4 UUID as Envoy's x-request-id generator writes it. */
export function uuidV4(rand: Rand): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rand() * 4)]}${hex(3)}-${hex(12)}`;
}

/** Log-normal milliseconds: most requests are quick, a long tail is slow (median ≈ e^mu). */
export function logNormalMs(rand: Rand, mu = 1.6, sigma = 0.9): number {
  // Box–Muller; 1 - rand() keeps the logarithm finite.
  const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Math.max(0, Math.round(Math.exp(mu + sigma * z)));
}

export const METHODS = [['GET', 0.72], ['POST', 0.17], ['PUT', 0.05], ['DELETE', 0.03], ['PATCH', 0.02], ['HEAD', 0.01]] as const;

export const PATHS = ['/test', '/test/items', '/test/items/42', '/test/cart', '/test/search?q=envoy+proxy', '/test/login',
  '/test/static/app.js', '/test/api/v1/orders', '/test/api/v1/orders/9f1c', '/test/healthz'];

/** Paths no route matches (the seed's only route is prefix /test). */
export const UNROUTED_PATHS = ['/', '/favicon.ico', '/admin', '/.env', '/wp-login.php'];

export const USER_AGENTS = ['curl/7.81.0', 'curl/8.5.0', 'Go-http-client/1.1', 'python-requests/2.31.0', 'kube-probe/1.32',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'okhttp/4.12.0', 'Apache-HttpClient/4.5.14 (Java/17.0.9)'];

/** Text format copies headers raw (envoyproxy/envoy#4191): these forge quotes, fields and markup. */
export const HOSTILE_USER_AGENTS = ['<img src=x onerror=alert(1)>', 'evil" 200 "forged', '<script>alert("xss")</script>',
  'bot "quoted" agent', "'; DROP TABLE \"AccessRecord\"; --", '- - -', '"', 'ünïcödé 🚀 agent', '', 'a\tb'];

/** Caller protocols: nginx's proxy_pass speaks HTTP/1.0 unless told otherwise, as the seed log shows. */
export const PROTOCOLS = [['HTTP/1.0', 0.7], ['HTTP/1.1', 0.25], ['HTTP/2', 0.05]] as const;

export interface ClientRequest {
  method: string;
  path: string;
  protocol: string;
  userAgent: string | null;
  forwardedFor: string | null;
  bytesReceived: number;
}

export interface ClientMix {
  /** Share of requests to a path no route matches. */
  unroutedShare: number;
  /** Share of requests with a hostile User-Agent. */
  hostileShare: number;
  /** Share of requests carrying X-Forwarded-For. */
  forwardedShare: number;
}

export function clientRequest(rand: Rand, mix: ClientMix): { request: ClientRequest; routed: boolean } {
  const method = pickWeighted(rand, METHODS);
  const routed = rand() >= mix.unroutedShare;
  const path = routed ? pickOne(rand, PATHS) : pickOne(rand, UNROUTED_PATHS);
  const protocol = pickWeighted(rand, PROTOCOLS);
  const userAgent = rand() < mix.hostileShare ? pickOne(rand, HOSTILE_USER_AGENTS) : rand() < 0.01 ? null : pickOne(rand, USER_AGENTS);
  let forwardedFor: string | null = null;
  if (rand() < mix.forwardedShare) {
    const client = `203.0.113.${1 + Math.floor(rand() * 254)}`;
    forwardedFor = rand() < 0.3 ? `${client}, 10.244.0.${1 + Math.floor(rand() * 254)}` : client;
  }
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const bytesReceived = hasBody ? 20 + Math.floor(rand() * 2000) : 0;
  return { request: { method, path, protocol, userAgent, forwardedFor, bytesReceived }, routed };
}
