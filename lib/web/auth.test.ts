// The dashboard's auth check in each mode: allowed, missing, wrong; the token cookie flow; the probes; and that
// secrets are compared with crypto.timingSafeEqual.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, mock, test } from 'node:test';
import { authorize, basicCredentialsMatch, bearerToken, cookieValue, secretsEqual, TOKEN_COOKIE, type AuthConfig } from './auth.ts';

const TOKEN = 's3cret-token_1';
const tokenConfig: AuthConfig = { auth: { kind: 'token', token: TOKEN }, metricsPublic: false };
const basicConfig: AuthConfig = { auth: { kind: 'basic', user: 'ops', password: 'pä:ss word' }, metricsPublic: false };
const proxyConfig: AuthConfig = { auth: { kind: 'proxy-header', header: 'X-Forwarded-User' }, metricsPublic: false };

const req = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  new Request(`http://dash.example:3000${path}`, { method, headers });
const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

function assert401(response: Response | undefined, challenge?: RegExp): Response {
  assert.ok(response, 'refused');
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  if (challenge) assert.match(response.headers.get('www-authenticate') ?? '', challenge);
  return response;
}

describe('no auth configured (loopback)', () => {
  test('everything passes', () => {
    const config: AuthConfig = { auth: { kind: 'none' }, metricsPublic: false };
    for (const path of ['/', '/requests', '/api/export?format=csv', '/metrics', '/_next/static/x.js']) assert.equal(authorize(config, req(path)), undefined);
  });
});

describe('token', () => {
  test('a matching bearer token passes, on pages, API routes and assets', () => {
    for (const path of ['/', '/findings?sev=error', '/api/trace/abc', '/_next/static/chunk.js']) {
      assert.equal(authorize(tokenConfig, req(path, { Authorization: `Bearer ${TOKEN}` })), undefined, path);
    }
    assert.equal(authorize(tokenConfig, req('/', { Authorization: `bearer  ${TOKEN} ` })), undefined, 'scheme is case-insensitive');
  });

  test('no token: 401 with a Bearer challenge and how to send one', async () => {
    const response = assert401(authorize(tokenConfig, req('/requests')), /^Bearer realm="envoy-lens"$/);
    assert.match(await response.text(), /Authorization: Bearer <token>.*\/\?token=<token>/);
    assert401(authorize(tokenConfig, req('/api/export?format=csv')));
    assert401(authorize(tokenConfig, req('/', { Authorization: basic(`x:${TOKEN}`) })), /Bearer/);
  });

  test('a wrong token is refused, in the header, the cookie and the URL', () => {
    for (const wrong of ['s3cret-token_2', 's3cret-token_1x', 's', TOKEN.toUpperCase()]) {
      assert401(authorize(tokenConfig, req('/', { Authorization: `Bearer ${wrong}` })), /error="invalid_token"/);
      assert401(authorize(tokenConfig, req('/', { Cookie: `${TOKEN_COOKIE}=${wrong}` })), /error="invalid_token"/);
      assert401(authorize(tokenConfig, req(`/?token=${wrong}`)), /error="invalid_token"/);
    }
  });

  test('/?token=<t> once: a cookie holding it, and a redirect to the same address without it', () => {
    const response = authorize(tokenConfig, req(`/requests?status=5xx&token=${TOKEN}&ns=shop`));
    assert.ok(response);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), 'http://dash.example:3000/requests?status=5xx&ns=shop');
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, new RegExp(`^${TOKEN_COOKIE}=${TOKEN}; `));
    assert.match(cookie, /; Path=\//);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/, 'plain http: no Secure flag');
    // The browser then sends the cookie.
    const cookieHeader = `theme=dark; ${cookie.split(';')[0]}`;
    assert.equal(authorize(tokenConfig, req('/requests?status=5xx&ns=shop', { Cookie: cookieHeader })), undefined);
    assert.equal(authorize(tokenConfig, req('/api/live', { Cookie: cookieHeader })), undefined);
  });

  test('the cookie is Secure behind https, and the redirect cannot point at another host', () => {
    const https = authorize(tokenConfig, req(`/?token=${TOKEN}`, { 'X-Forwarded-Proto': 'https' }));
    assert.match(https?.headers.get('set-cookie') ?? '', /; Secure/);
    const sneaky = authorize(tokenConfig, new Request(`http://dash.example//evil.example/x?token=${TOKEN}`));
    assert.equal(sneaky?.headers.get('location'), 'http://dash.example/evil.example/x');
  });

  test('a token in the URL of a POST is not taken', () => {
    assert401(authorize(tokenConfig, req(`/api/demo?token=${TOKEN}`, {}, 'POST')));
  });
});

describe('basic auth', () => {
  test('the right user and password pass (a password may hold colons and UTF-8)', () => {
    assert.equal(authorize(basicConfig, req('/', { Authorization: basic('ops:pä:ss word') })), undefined);
    assert.equal(authorize(basicConfig, req('/api/export?format=csv', { Authorization: basic('ops:pä:ss word') })), undefined);
  });

  test('missing credentials: 401 with a Basic challenge (the browser then asks)', () => {
    assert401(authorize(basicConfig, req('/')), /^Basic realm="envoy-lens", charset="UTF-8"$/);
    assert401(authorize(basicConfig, req('/', { Authorization: `Bearer ${TOKEN}` })), /Basic/);
    assert401(authorize(basicConfig, req('/', { Authorization: 'Basic !!!' })), /Basic/);
  });

  test('a wrong user or password is refused', () => {
    for (const wrong of ['ops:pä:ss wor', 'Ops:pä:ss word', 'admin:pä:ss word', 'ops:', ':pä:ss word', 'opspä:ss word', 'ops']) {
      assert401(authorize(basicConfig, req('/', { Authorization: basic(wrong) })), /Basic/);
    }
  });

  test('basicCredentialsMatch checks both parts', () => {
    assert.equal(basicCredentialsMatch(basic('a:b'), 'a', 'b'), true);
    assert.equal(basicCredentialsMatch(basic('a:c'), 'a', 'b'), false);
    assert.equal(basicCredentialsMatch(basic('c:b'), 'a', 'b'), false);
    assert.equal(basicCredentialsMatch(null, 'a', 'b'), false);
  });
});

describe('trusted auth-proxy header', () => {
  test('a request the proxy marked passes (the header name is case-insensitive)', () => {
    assert.equal(authorize(proxyConfig, req('/', { 'x-forwarded-user': 'alice@example.com' })), undefined);
    assert.equal(authorize(proxyConfig, req('/api/live', { 'X-FORWARDED-USER': 'bob' })), undefined);
  });

  test('without the header, or with it empty: 401 naming the header', async () => {
    const response = assert401(authorize(proxyConfig, req('/')));
    assert.match(await response.text(), /X-Forwarded-User/);
    assert401(authorize(proxyConfig, req('/', { 'X-Forwarded-User': '  ' })));
    assert401(authorize(proxyConfig, req('/', { 'X-Forwarded-Email': 'alice@example.com', Authorization: `Bearer ${TOKEN}` })));
  });
});

describe('probes and /metrics', () => {
  test('/healthz and /readyz answer without auth in every mode; nothing else does', () => {
    for (const config of [tokenConfig, basicConfig, proxyConfig]) {
      assert.equal(authorize(config, req('/healthz')), undefined);
      assert.equal(authorize(config, req('/readyz')), undefined);
      for (const path of ['/metrics', '/healthz/x', '/healthzz', '/api/healthz', '/readyz/../requests', '/%2Fhealthz']) {
        assert401(authorize(config, req(path)));
      }
    }
  });

  test('/metrics answers without auth when configured public', () => {
    for (const config of [tokenConfig, basicConfig, proxyConfig]) {
      const open = { ...config, metricsPublic: true };
      assert.equal(authorize(open, req('/metrics')), undefined);
      assert401(authorize(open, req('/requests')));
    }
  });
});

describe('constant-time comparison', () => {
  test('secretsEqual compares with crypto.timingSafeEqual, also for secrets of different lengths', () => {
    const spy = mock.method(crypto, 'timingSafeEqual');
    try {
      assert.equal(secretsEqual('abc', 'abc'), true);
      assert.equal(secretsEqual('abc', 'abd'), false);
      assert.equal(secretsEqual('a', 'a much longer secret'), false);
      assert.equal(spy.mock.callCount(), 3);
      for (const call of spy.mock.calls) assert.equal((call.arguments[0] as Buffer).length, (call.arguments[1] as Buffer).length);
    } finally {
      spy.mock.restore();
    }
  });

  test('every mode checks its secret through it', () => {
    const spy = mock.method(crypto, 'timingSafeEqual');
    try {
      authorize(tokenConfig, req('/', { Authorization: 'Bearer nope' }));
      assert.equal(spy.mock.callCount(), 1, 'bearer');
      authorize(tokenConfig, req('/', { Cookie: `${TOKEN_COOKIE}=nope` }));
      assert.equal(spy.mock.callCount(), 2, 'cookie');
      authorize(tokenConfig, req('/?token=nope'));
      assert.equal(spy.mock.callCount(), 3, 'query');
      authorize(basicConfig, req('/', { Authorization: basic('nobody:nope') }));
      assert.equal(spy.mock.callCount(), 5, 'basic: user and password both, even when the user is already wrong');
    } finally {
      spy.mock.restore();
    }
  });
});

describe('header parsing', () => {
  test('bearerToken and cookieValue', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('Bearer'), null);
    assert.equal(bearerToken('Bearer a b'), null);
    assert.equal(bearerToken(null), null);
    assert.equal(cookieValue('a=1; envoy_lens_token=xyz; b=2', 'envoy_lens_token'), 'xyz');
    assert.equal(cookieValue('xenvoy_lens_token=xyz', 'envoy_lens_token'), null);
    assert.equal(cookieValue(null, 'envoy_lens_token'), null);
  });
});
