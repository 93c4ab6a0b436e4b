// The envoy-lens CLI as a user runs it: real processes, real files, a real SQLite database.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { seedLogLines } from '../sample/seed-log.ts';
import { tempSqliteDatabase } from '../testing/temp-database.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'envoy-lens.mjs');
const seedConfig = path.join(root, 'fixtures', 'seed', 'envoy-config.configmap.yaml');
const execFileAsync = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root, input: options.input ?? '', encoding: 'utf8', maxBuffer: 1 << 30,
    env: { ...process.env, ...options.env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const ndjson = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('envoy-lens parse', () => {
  test('reads the format from the seed ConfigMap and types every field of the seed lines', () => {
    const lines = [
      '[2025-12-16T09:45:56.365Z] "GET /test HTTP/1.0" 200 40 0 99032619-a060-481d-8f0d-9d773fad9b12 "curl/7.81.0" "-" 10.105.148.194:10000 app_service -',
      '[2025-12-16T10:05:57.453Z] "GET /test HTTP/1.0" 200 40 1 384f9394-7ff9-4abb-b0f8-f9b69f2ba992 "curl/7.81.0" "-" 10.244.0.82:10000 app_service -',
    ];
    const r = cli(['parse', '--config', seedConfig], { input: lines.join('\n') + '\n' });
    assert.equal(r.code, 0, r.stderr);
    const [first, second] = ndjson(r.stdout);
    assert.deepEqual(first, {
      line: 1, ok: true,
      fields: {
        START_TIME: '2025-12-16T09:45:56.365Z', 'REQ(:METHOD)': 'GET', 'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': '/test',
        PROTOCOL: 'HTTP/1.0', RESPONSE_CODE: 200, BYTES_SENT: 40, DURATION: 0,
        'REQ(X-REQUEST-ID)': '99032619-a060-481d-8f0d-9d773fad9b12', 'REQ(USER-AGENT)': 'curl/7.81.0',
        'REQ(X-FORWARDED-FOR)': null, UPSTREAM_HOST: '10.105.148.194:10000', UPSTREAM_CLUSTER: 'app_service',
        RESPONSE_FLAGS: null,
      },
    });
    assert.equal((second!.fields as Record<string, unknown>).UPSTREAM_HOST, '10.244.0.82:10000');
    assert.equal((second!.fields as Record<string, unknown>).DURATION, 1);
  });

  test("parses Envoy's default format, Istio's default format and a json_format log", () => {
    const envoyLine = '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"';
    const envoy = ndjson(cli(['parse', '--format', 'envoy-default'], { input: envoyLine }).stdout)[0]!;
    assert.equal(envoy.ok, true);
    const ef = envoy.fields as Record<string, unknown>;
    assert.deepEqual([ef.RESPONSE_CODE, ef.RESPONSE_FLAGS, ef.BYTES_RECEIVED, ef.DURATION, ef['RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)']], [204, null, 154, 226, 100]);
    assert.equal(ef.UPSTREAM_HOST, 'tcp://10.0.2.1:80');

    const istioLine = '[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default';
    const istio = ndjson(cli(['parse', '--format', 'istio-default'], { input: istioLine }).stdout)[0]!;
    const isf = istio.fields as Record<string, unknown>;
    assert.equal(istio.ok, true, JSON.stringify(istio));
    assert.deepEqual([isf.RESPONSE_CODE, isf.RESPONSE_CODE_DETAILS, isf.UPSTREAM_HOST, isf.UPSTREAM_CLUSTER_RAW, isf.ROUTE_NAME],
      [418, 'via_upstream', '10.44.1.27:80', 'outbound|8000||httpbin.foo.svc.cluster.local', 'default']);

    const jsonFormat = JSON.stringify({ time: '%START_TIME%', status: '%RESPONSE_CODE%', up: { host: '%UPSTREAM_HOST%' }, took: '%DURATION%ms' });
    const jsonLine = JSON.stringify({ took: '7ms', up: { host: '[fd00::5]:8080' }, status: 503, time: '2025-12-16T10:05:56.365Z' });
    const json = ndjson(cli(['parse', '--format', jsonFormat], { input: jsonLine }).stdout)[0]!;
    assert.deepEqual(json, { line: 1, ok: true, fields: { START_TIME: '2025-12-16T10:05:56.365Z', RESPONSE_CODE: 503, UPSTREAM_HOST: '[fd00::5]:8080', took: '7ms' } });
  });

  test('prints a rejected line with its reason and still exits 0', () => {
    const r = cli(['parse', '--config', seedConfig], { input: 'Envoy is starting\n' });
    assert.equal(r.code, 0);
    const [line] = ndjson(r.stdout);
    assert.equal(line!.ok, false);
    assert.match(String(line!.error), /column 1/);
  });

  test('exits 2 on a bad format, naming the operator and its column', () => {
    const r = cli(['parse', '--format', '[%START_TIME%] %NOT_AN_OPERATOR%']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /NOT_AN_OPERATOR/);
    assert.match(r.stderr, /column 16/);
    assert.equal(r.stdout, '');
  });

  test('exits 2 on a bad argument or a missing file, naming it', () => {
    const unknown = cli(['parse', '--fromat', 'x']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--fromat/);
    const missing = cli(['parse', '--config', '/nonexistent/envoy.yaml']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /\/nonexistent\/envoy\.yaml/);
    const both = cli(['parse', '--format', 'envoy-default', '--config', seedConfig]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--format or --config/);
    const serve = cli(['serve', '--kubeconfig', 'kc']);
    assert.equal(serve.code, 2);
    assert.match(serve.stderr, /--kubeconfig applies with --collect only/);
    const port = cli(['serve', '--port', '99999']);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port must be a whole number from 1 to 65535/);
    const suppress = cli(['findings', '--suppress', 'EL9999']);
    assert.equal(suppress.code, 2);
    assert.match(suppress.stderr, /--suppress EL9999: no such rule/);
  });

  test('--help describes every command', () => {
    for (const command of ['parse', 'import', 'export']) {
      const r = cli([command, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`Usage: envoy-lens ${command}`));
    }
    assert.match(cli(['--help']).stdout, /parse[\s\S]*import[\s\S]*export/);
  });
});

describe('envoy-lens import and export', () => {
  const db = tempSqliteDatabase('cli');
  after(() => db.remove());
  const env = { DATABASE_URL: db.url };
  const logFile = path.join(db.dir, 'access.log');
  const count = 100_000;
  const lines = [...seedLogLines(count, { seed: 5, hostileShare: 0 })];
  writeFileSync(logFile, lines.join('\n') + '\n');

  test('round-trips 100,000 lines with nothing lost or duplicated; a re-import adds nothing', async () => {
    const first = cli(['import', '--no-progress', '--config', seedConfig, '--namespace', 'default', '--pod', 'nginx-test', logFile], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`${count} lines, ${count} records stored, 0 rejected`));
    assert.match(first.stdout, /lines\/s/);
    const again = cli(['import', '--no-progress', '--config', seedConfig, logFile], { env });
    assert.match(again.stdout, new RegExp(`0 records stored, 0 rejected, 0 ambiguous, ${count} already imported`));

    const { stdout } = await execFileAsync(process.execPath, [bin, 'export'], { cwd: root, env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
    const exported = ndjson(stdout);
    assert.equal(exported.length, count);
    const byLine = new Map(exported.map((r) => [r.line as number, r]));
    assert.equal(byLine.size, count, 'every line once');
    for (const [i, line] of lines.entries()) {
      const r = byLine.get(i + 1)!;
      const words = line.split(' ');
      assert.equal(r.requestId, words[7]);
      assert.equal(r.status, Number(words[4]));
      assert.equal(r.upstreamHost, words.at(-3) === '-' ? null : words.at(-3));
      assert.equal(r.startTime, line.slice(1, 25));
    }
    const first3 = exported[0]!;
    for (const key of ['namespace', 'pod', 'container', 'startTime', 'method', 'path', 'protocol', 'status', 'bytesSent', 'durationMs',
      'requestId', 'userAgent', 'forwardedFor', 'upstreamHost', 'upstreamCluster', 'responseFlags']) {
      assert.ok(key in first3, key);
    }
    assert.equal(first3.namespace, 'default');
    assert.equal(first3.pod, 'nginx-test');
  });

  test('filters by request id and time, as NDJSON and CSV', () => {
    const target = lines[4242]!.split(' ')[7]!;
    const one = ndjson(cli(['export', '--request-id', target], { env }).stdout);
    assert.deepEqual(one.map((r) => r.line), [4243]);
    const since = lines[count - 10]!.slice(1, 25);
    const tail = ndjson(cli(['export', '--since', since], { env }).stdout);
    assert.ok(tail.length >= 10 && tail.length < 20, `${tail.length} records since ${since}`);
    const csv = cli(['export', '--format', 'csv', '--request-id', target], { env });
    const [header, row] = csv.stdout.trim().split('\n');
    assert.match(header!, /^id,namespace,pod,container,containerId,source,line,startTime,logTime,method/);
    assert.match(row!, new RegExp(target));
    const bad = cli(['export', '--since', 'yesterday-ish'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since "yesterday-ish"/);
  });

  test('defuses spreadsheet formulas in CSV cells and stores rejected lines', () => {
    const hostile = path.join(db.dir, 'hostile.log');
    writeFileSync(hostile, [
      '[2025-12-16T11:00:00.000Z] "GET /x HTTP/1.1" 200 1 1 =HYPERLINK("http://evil") "@SUM(A1)" "-" 10.244.0.81:10000 app_service -',
      'garbage line',
    ].join('\n') + '\n');
    const r = cli(['import', '--no-progress', '--config', seedConfig, hostile], { env });
    assert.match(r.stdout, /1 records stored, 1 rejected/);
    const csv = cli(['export', '--format', 'csv', '--since', '2025-12-16T11:00:00Z'], { env }).stdout;
    assert.match(csv, /'=HYPERLINK/);
    assert.match(csv, /'@SUM\(A1\)/);
  });
});
