// Generates access-log lines in the seed scenario's format (shared/fixtures/seed) with realistic variety, for the
// demo, the benchmark and round-trip tests. Deterministic for a seed, and prefix-stable: the first N lines of a
// longer run equal a run of N lines.
import { seededRandom } from './seeded-random.ts';

export interface SeedLogOptions {
  seed?: number;
  /** Epoch ms of the first line. */
  start?: number;
  /** Share of lines whose upstream is the ClusterIP Service (the leak); the rest go to pod IPs. */
  serviceShare?: number;
  /** Share of lines carrying a hostile User-Agent (quotes, markup); 0 for the benchmark. */
  hostileShare?: number;
  /** Backend pod IPs Envoy round-robins over when it sees pods (default: the seed's two backends). */
  podIps?: string[];
}

export const SEED_SERVICE_IP = '10.105.148.194';
export const SEED_POD_IPS = ['10.244.0.81', '10.244.0.82'];

const methods: [string, number][] = [['GET', 0.72], ['POST', 0.17], ['PUT', 0.05], ['DELETE', 0.03], ['PATCH', 0.02], ['HEAD', 0.01]];
const paths = ['/test', '/test/items', '/test/items/42', '/test/cart', '/test/search?q=envoy+proxy', '/test/login',
  '/test/static/app.js', '/test/api/v1/orders', '/test/api/v1/orders/9f1c', '/test/healthz'];
const agents = ['curl/7.81.0', 'curl/8.5.0', 'Go-http-client/1.1', 'python-requests/2.31.0', 'kube-probe/1.32',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'okhttp/4.12.0', 'Apache-HttpClient/4.5.14 (Java/17.0.9)'];
const hostileAgents = ['<img src=x onerror=alert(1)>', 'evil" 200 "forged', '<script>alert("xss")</script>',
  'bot "quoted" agent', "'; DROP TABLE \"AccessRecord\"; --"];

function pick<T>(rand: () => number, weighted: [T, number][]): T {
  let r = rand();
  for (const [v, w] of weighted) if ((r -= w) < 0) return v;
  return weighted[weighted.length - 1]![0];
}

function uuid(rand: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rand() * 4)]}${hex(3)}-${hex(12)}`;
}

/** Yields `count` lines (without newline). */
export function* seedLogLines(count: number, options: SeedLogOptions = {}): Generator<string> {
  const rand = seededRandom(options.seed ?? 1);
  const serviceShare = options.serviceShare ?? 0.1;
  const hostileShare = options.hostileShare ?? 0;
  let t = options.start ?? Date.UTC(2025, 11, 16, 9, 45, 56, 365);
  const podIps = options.podIps ?? SEED_POD_IPS;
  let rr = 0;
  for (let i = 0; i < count; i++) {
    t += Math.floor(rand() * 11); // ≈ 5.5 ms apart on average
    const method = pick(rand, methods);
    const path = paths[Math.floor(rand() * paths.length)]!;
    const proto = rand() < 0.3 ? 'HTTP/1.0' : rand() < 0.8 ? 'HTTP/1.1' : 'HTTP/2';
    const toService = rand() < serviceShare;
    const upstream = toService ? SEED_SERVICE_IP : podIps[rr++ % podIps.length]!;
    const f = rand();
    let status = 200, flags = '-', host = `${upstream}:10000`;
    if (f < 0.004) [status, flags, host] = [503, 'UH', '-'];
    else if (f < 0.008) [status, flags] = [503, 'UF,URX'];
    else if (f < 0.010) [status, flags, host] = [404, 'NR', '-'];
    else if (f < 0.013) [status, flags] = [504, 'UT'];
    else if (f < 0.03) status = 500;
    else if (f < 0.07) status = 404;
    else if (f < 0.09) status = method === 'POST' ? 201 : 304;
    else if (f < 0.1) status = method === 'DELETE' ? 204 : 302;
    const duration = flags === 'UT' ? 15000 : Math.max(0, Math.round(Math.exp(1.2 + rand() * 2.2 + (rand() < 0.02 ? 3 : 0))));
    const bytes = status >= 500 ? 19 + Math.floor(rand() * 80) : status === 204 || status === 304 ? 0 : 40 + Math.floor(rand() * 4000);
    const agent = hostileShare > 0 && rand() < hostileShare
      ? hostileAgents[Math.floor(rand() * hostileAgents.length)]!
      : agents[Math.floor(rand() * agents.length)]!;
    const xff = rand() < 0.35 ? `203.0.113.${1 + Math.floor(rand() * 254)}` : '-';
    const time = new Date(t).toISOString();
    yield `[${time}] "${method} ${path} ${proto}" ${status} ${bytes} ${duration} ${uuid(rand)} "${agent}" "${xff}" ${host} app_service ${flags}`;
  }
}
