// The dashboard's auth check, run by proxy.ts (Next.js, Node.js runtime) before every page, API route and asset:
// a bearer token (header, or the cookie that `/?token=<token>` sets once), HTTP basic auth, or a header an auth proxy
// in front sets. /healthz and /readyz always answer (probes); /metrics too when configured public. Secrets are
// compared in constant time. Web Request/Response in and out, so tests call it directly.
import crypto from 'node:crypto';
import type { DashboardAuth } from '../settings.ts';

export interface AuthConfig {
  auth: DashboardAuth;
  metricsPublic: boolean;
}

export const TOKEN_COOKIE = 'envoy_lens_token';
const TOKEN_PARAM = 'token';
const COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600;
const REALM = 'envoy-lens';

/** Paths that answer without auth: the probes always, /metrics when configured public. */
export function isPublicPath(pathname: string, metricsPublic: boolean): boolean {
  return pathname === '/healthz' || pathname === '/readyz' || (metricsPublic && pathname === '/metrics');
}

/**
 * Equal in constant time: both sides are hashed first, so neither their contents nor their lengths show in how long
 * the comparison takes.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given, 'utf8').digest();
  const b = crypto.createHash('sha256').update(expected, 'utf8').digest();
  return crypto.timingSafeEqual(a, b);
}

/** What to answer instead of the route: undefined lets the request through. */
export function authorize(config: AuthConfig, request: Request): Response | undefined {
  const { auth } = config;
  if (auth.kind === 'none') return undefined;
  const url = new URL(request.url);
  if (isPublicPath(url.pathname, config.metricsPublic)) return undefined;
  switch (auth.kind) {
    case 'token':
      return authorizeToken(auth.token, request, url);
    case 'basic':
      return basicCredentialsMatch(request.headers.get('authorization'), auth.user, auth.password)
        ? undefined
        : unauthorized('this dashboard needs a user name and password', { 'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"` });
    case 'proxy-header':
      return (request.headers.get(auth.header) ?? '').trim() !== ''
        ? undefined
        : unauthorized(`this dashboard is served behind an auth proxy, which sets ${auth.header}: reach it through that proxy`);
  }
}

function authorizeToken(token: string, request: Request, url: URL): Response | undefined {
  const fromQuery = url.searchParams.get(TOKEN_PARAM);
  if (fromQuery !== null && (request.method === 'GET' || request.method === 'HEAD')) {
    if (!secretsEqual(fromQuery, token)) return unauthorized('wrong token', bearerChallenge('invalid_token'));
    return tokenCookieRedirect(token, request, url);
  }
  const bearer = bearerToken(request.headers.get('authorization'));
  if (bearer !== null) return secretsEqual(bearer, token) ? undefined : unauthorized('wrong token', bearerChallenge('invalid_token'));
  const cookie = cookieValue(request.headers.get('cookie'), TOKEN_COOKIE);
  if (cookie !== null) return secretsEqual(cookie, token) ? undefined : unauthorized('wrong token', bearerChallenge('invalid_token'));
  return unauthorized(
    `this dashboard needs a token: send "Authorization: Bearer <token>", or open /?${TOKEN_PARAM}=<token> once in the browser`,
    bearerChallenge(),
  );
}

/** The right token in the URL: keep it in a cookie, and send the browser to the same address without it. */
function tokenCookieRedirect(token: string, request: Request, url: URL): Response {
  url.searchParams.delete(TOKEN_PARAM);
  // On the request's own origin (Next.js wants an absolute Location), with a path that cannot be read as another host.
  const location = new URL(url.pathname.replace(/^[/\\]+/, '/') + url.search, url.origin).href;
  const secure = url.protocol === 'https:' || request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
  const cookie = [`${TOKEN_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${COOKIE_MAX_AGE_SECONDS}`, ...(secure ? ['Secure'] : [])];
  return new Response(null, {
    status: 303,
    headers: { Location: location, 'Set-Cookie': cookie.join('; '), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
  });
}

function bearerChallenge(error?: string): Record<string, string> {
  return { 'WWW-Authenticate': `Bearer realm="${REALM}"${error ? `, error="${error}"` : ''}` };
}

function unauthorized(message: string, headers: Record<string, string> = {}): Response {
  return new Response(`401 Unauthorized: ${message}\n`, {
    status: 401,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}

/** The token of `Authorization: Bearer <token>`; null without one. */
export function bearerToken(header: string | null): string | null {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

/** Whether `Authorization: Basic …` carries this user and password (both compared, in constant time). */
export function basicCredentialsMatch(header: string | null, user: string, password: string): boolean {
  const m = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = secretsEqual(decoded.slice(0, colon), user);
  const passwordOk = secretsEqual(decoded.slice(colon + 1), password);
  return userOk && passwordOk;
}

/** One cookie's value from a Cookie header; null when absent. */
export function cookieValue(header: string | null, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return null;
}
