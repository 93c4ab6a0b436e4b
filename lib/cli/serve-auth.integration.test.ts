// envoy-lens serve and auth: on a non-loopback address it refuses to start without auth (before migrating or
// building anything), auth options are validated, and the settings read the auth variables.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadSettings } from '../settings.ts';
import { tempSqliteDatabase } from '../testing/temp-database.ts';
import { assertProtectedIfExposed, isLoopbackHost, serveAuthOptions } from './serve-command.ts';
import { UsageError } from './usage-error.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'envoy-lens.mjs');
const AUTH_VARS = ['ENVOY_LENS_TOKEN', 'ENVOY_LENS_BASIC_AUTH', 'ENVOY_LENS_TRUST_PROXY_HEADER', 'ENVOY_LENS_METRICS_PUBLIC'];

function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !AUTH_VARS.includes(k)));
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...clean, ...env } as NodeJS.ProcessEnv, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('envoy-lens serve on a non-loopback address', () => {
  const db = tempSqliteDatabase('serve-auth');
  after(() => db.remove());

  test('without auth it exits 2 naming the options, before touching the database or building', () => {
    for (const host of ['0.0.0.0', '::']) {
      const r = cli(['serve', '--host', host, '--port', '3651', '--db', db.url]);
      assert.equal(r.code, 2, r.stderr);
      for (const option of ['--token', 'ENVOY_LENS_TOKEN', '--basic-auth', 'ENVOY_LENS_BASIC_AUTH', '--trust-proxy-header', 'ENVOY_LENS_TRUST_PROXY_HEADER', '--no-auth']) {
        assert.ok(r.stderr.includes(option), `${option} in: ${r.stderr}`);
      }
      assert.match(r.stderr, new RegExp(`^envoy-lens: --host ${host.replace(/\./g, '\\.')} is not a loopback address`));
      assert.doesNotMatch(r.stdout, /building/);
      assert.equal(existsSync(db.dir + '/test.db'), false, 'no database created');
    }
  });

  test('malformed or conflicting auth options exit 2 (the rest: serveAuthOptions below)', () => {
    const cases: [string[], RegExp][] = [
      [['--token', 'has space'], /--token: expected a token/],
      [['--token', 'abc', '--no-auth'], /--no-auth and an auth option contradict/],
    ];
    for (const [flags, message] of cases) {
      const r = cli(['serve', '--host', '0.0.0.0', '--db', db.url, ...flags]);
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(existsSync(db.dir + '/test.db'), false);
  });
});

describe('serve auth options', () => {
  const settings = (env: Record<string, string> = {}) => loadSettings({ NODE_ENV: 'test', DATABASE_URL: 'file:./x.db', ...env });

  test('loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', 'example.com', '[::]', '128.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
  });

  test('flags win over the environment; the environment applies without flags', () => {
    assert.deepEqual(serveAuthOptions({ token: 'abc' }, settings({ ENVOY_LENS_BASIC_AUTH: 'u:p' })).auth, { kind: 'token', token: 'abc' });
    assert.deepEqual(serveAuthOptions({}, settings({ ENVOY_LENS_BASIC_AUTH: 'u:p:q' })).auth, { kind: 'basic', user: 'u', password: 'p:q' });
    assert.deepEqual(serveAuthOptions({ auth: true }, settings({ ENVOY_LENS_TRUST_PROXY_HEADER: 'X-Auth-Request-User' })).auth, { kind: 'proxy-header', header: 'X-Auth-Request-User' });
    const noAuth = serveAuthOptions({ auth: false }, settings({ ENVOY_LENS_TOKEN: 'abc' }));
    assert.deepEqual([noAuth.auth, noAuth.noAuth], [{ kind: 'none' }, true], '--no-auth drops the environment\'s token');
    assert.equal(serveAuthOptions({}, settings({ ENVOY_LENS_METRICS_PUBLIC: '1' })).metricsPublic, true);
    assert.equal(serveAuthOptions({}, settings()).metricsPublic, false);
  });

  test('malformed or conflicting flags are usage errors naming them', () => {
    const cases: [Parameters<typeof serveAuthOptions>[0], RegExp][] = [
      [{ token: 'has space' }, /^--token: expected a token/],
      [{ basicAuth: 'nopassword' }, /^--basic-auth: expected user:password/],
      [{ basicAuth: 'user:' }, /^--basic-auth: expected user:password/],
      [{ trustProxyHeader: 'X Bad' }, /^--trust-proxy-header: expected an HTTP header name/],
      [{ token: 'abc', basicAuth: 'a:b' }, /^--token and --basic-auth: choose one/],
      [{ trustProxyHeader: 'X-User', auth: false }, /^--no-auth and an auth option contradict/],
    ];
    for (const [flags, message] of cases) {
      assert.throws(() => serveAuthOptions(flags, settings()), (err: Error) => err instanceof UsageError && message.test(err.message), JSON.stringify(flags));
    }
  });

  test('an exposed host needs auth or --no-auth; loopback needs neither', () => {
    assert.throws(() => assertProtectedIfExposed({ host: '0.0.0.0', auth: { kind: 'none' } }), UsageError);
    assert.doesNotThrow(() => assertProtectedIfExposed({ host: '0.0.0.0', auth: { kind: 'none' }, noAuth: true }));
    assert.doesNotThrow(() => assertProtectedIfExposed({ host: '0.0.0.0', auth: { kind: 'token', token: 't' } }));
    assert.doesNotThrow(() => assertProtectedIfExposed({ host: '127.0.0.1', auth: { kind: 'none' } }));
  });

  test('the settings refuse malformed auth variables and more than one', () => {
    assert.deepEqual(settings().auth, { kind: 'none' });
    assert.throws(() => settings({ ENVOY_LENS_TOKEN: '' }), /bad environment variable ENVOY_LENS_TOKEN/);
    assert.throws(() => settings({ ENVOY_LENS_TOKEN: 'a;b' }), /ENVOY_LENS_TOKEN/);
    assert.throws(() => settings({ ENVOY_LENS_BASIC_AUTH: ':p' }), /ENVOY_LENS_BASIC_AUTH: expected user:password/);
    assert.throws(() => settings({ ENVOY_LENS_TRUST_PROXY_HEADER: 'X:User' }), /ENVOY_LENS_TRUST_PROXY_HEADER/);
    assert.throws(() => settings({ ENVOY_LENS_TOKEN: 'abc', ENVOY_LENS_TRUST_PROXY_HEADER: 'X-User' }), /ENVOY_LENS_TOKEN and ENVOY_LENS_TRUST_PROXY_HEADER: choose one/);
    assert.throws(() => settings({ ENVOY_LENS_METRICS_PUBLIC: 'yes' }), /ENVOY_LENS_METRICS_PUBLIC/);
  });
});
