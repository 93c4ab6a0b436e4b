import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFormat, type FormatSpec } from '../../../envoy/compile-format.ts';
import { ENVOY_DEFAULT_FORMAT, ISTIO_DEFAULT_FORMAT, SEED_FORMAT } from '../../../envoy/default-formats.ts';
import type { FieldValue } from '../../../envoy/field-reader.ts';
import type { OperatorToken } from '../../../envoy/format-tokens.ts';
import { isInstant } from '../../../envoy/instant.ts';
import { knownOperatorNames } from '../../../envoy/operators.ts';
import { AccessLineWriter } from './access-line-writer.ts';
import type { AccessRequest } from './access-request.ts';
import { EnvoySidecar } from './envoy-sidecar.ts';
import { HOSTILE_USER_AGENTS } from './request-variety.ts';
import { clusterDns, seedEnvoyYaml, seedScenarioObjects } from './seed-scenario.ts';
import { defaultStartTime, formatStartTime } from './strftime.ts';

const base: AccessRequest = {
  startMs: Date.UTC(2018, 4, 29, 10, 43, 10, 528),
  startSubMsNanos: 123456,
  method: 'GET',
  path: '/test/items?x=1',
  protocol: 'HTTP/1.1',
  status: 200,
  responseFlags: [],
  bytesReceived: 0,
  bytesSent: 40,
  durationMs: 3,
  upstreamServiceTimeMs: 2,
  requestId: '2b029187-cddb-4278-99b8-2953a7e841a0',
  userAgent: 'curl/7.81.0',
  forwardedFor: null,
  authority: '127.0.0.1:10000',
  upstreamHost: '10.244.0.81:10000',
  upstreamCluster: 'app_service',
  upstreamLocalAddress: '10.244.0.80:41234',
  downstreamRemoteAddress: '127.0.0.1:51000',
  downstreamLocalAddress: '127.0.0.1:10000',
  responseCodeDetails: 'via_upstream',
};

const text = (format: string, req: AccessRequest = base) => new AccessLineWriter({ type: 'text', text: format }).write(req);

/** Traffic with every kind of value, hostile user agents included, from the simulated sidecar. */
function traffic(count: number, seed: number): AccessRequest[] {
  const objects = seedScenarioObjects({ variant: 'headless' });
  const sidecar = new EnvoySidecar(seedEnvoyYaml('headless'), {
    seed, mix: { hostileShare: 0.1, unroutedShare: 0.02 }, failures: { connectFailure: 0.02, timeout: 0.01 }, hostname: 'nginx-test',
  });
  const resolveAll = clusterDns(objects);
  const none = () => [];
  const out: AccessRequest[] = [];
  let now = Date.UTC(2025, 11, 16, 10, 5, 56);
  for (let i = 0; i < count; i += 10) {
    now += 997;
    // Every few batches the backends vanish, for UH lines.
    out.push(...sidecar.nextRequests(now, 10, i % 300 < 20 ? none : resolveAll));
    if (i % 300 < 20) now += 5000;
  }
  return out.map((r, i) => ({
    ...r,
    routeName: i % 3 === 0 ? null : 'default',
    requestedServerName: i % 4 === 0 ? 'backend.example.com' : null,
    originalPath: i % 17 === 0 ? '/original/path' : null,
  }));
}

/** What the parser should give for a value the writer printed. */
function expectedParse(token: OperatorToken, value: string | number | null): FieldValue {
  if (value === null) return null;
  if (token.kind === 'uint' || token.kind === 'duration' || token.kind === 'port') return Number(value);
  return value;
}

/** Times are checked by writing the parsed instant again: the same text means the same moment at that precision. */
function sameTime(token: OperatorToken, parsed: FieldValue, printed: string | number | null): boolean {
  if (printed === null) return parsed === null;
  if (!isInstant(parsed)) return false;
  const again = token.arg ? formatStartTime(token.arg, parsed) : defaultStartTime(parsed);
  return again === printed;
}

interface RoundTrip {
  lines: number;
  ambiguousLines: number;
  failedLines: number;
}

/** Requests whose line may legitimately be unreadable or ambiguous: a client-chosen header forging separators. */
const hostileAgent = (req: AccessRequest) => HOSTILE_USER_AGENTS.includes(req.userAgent ?? '-');

function roundTrip(spec: FormatSpec, requests: AccessRequest[], mayBreak = hostileAgent): RoundTrip {
  const writer = new AccessLineWriter(spec);
  const compiled = compileFormat(spec);
  const stats: RoundTrip = { lines: 0, ambiguousLines: 0, failedLines: 0 };
  for (const req of requests) {
    const line = writer.write(req);
    stats.lines++;
    assert.ok(!line.includes('\n'), 'one record, one line');
    const result = compiled.parse(line);
    const hostile = mayBreak(req);
    if (!result.ok) {
      // The text format escapes nothing: only a forged header may make a line unreadable.
      assert.ok(hostile, `unexpected failure ${result.reason} at ${result.column}: ${line}`);
      stats.failedLines++;
      continue;
    }
    const ambiguous = new Set(result.ambiguous ?? []);
    if (ambiguous.size) {
      assert.ok(hostile, `ambiguous without a hostile header: ${line}`);
      stats.ambiguousLines++;
    }
    const doc = spec.type === 'json' ? (JSON.parse(line) as Record<string, unknown>) : undefined;
    compiled.keys.forEach((key, i) => {
      const token = compiled.operators[i];
      const parsed = result.values[i]!;
      let ok: boolean;
      let want: unknown;
      if (!token) {
        // A json_format value mixing text and operators: kept as the string Envoy wrote.
        want = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], doc);
        ok = parsed === want;
      } else {
        const printed = AccessLineWriter.value(token, req);
        want = printed;
        ok = token.kind === 'time' ? sameTime(token, parsed, printed) : JSON.stringify(parsed) === JSON.stringify(want = expectedParse(token, printed));
      }
      if (!ok) {
        assert.ok(ambiguous.has(i), `${key}: parsed ${JSON.stringify(parsed)}, wrote ${JSON.stringify(want)} in ${line}`);
      }
    });
    // Ambiguity must stay on the fields around the forged header, never spread to the typed ones.
    for (const i of ambiguous) assert.equal(compiled.operators[i]?.kind, 'text', `ambiguous ${compiled.keys[i]} in ${line}`);
  }
  return stats;
}

const requests = traffic(4000, 7);

describe('AccessLineWriter round trip through compileFormat', () => {
  it('covers the outcomes the test means to cover', () => {
    const flags = new Set(requests.map((r) => r.responseFlags.join(',')));
    for (const f of ['', 'UH', 'NR', 'UF,URX', 'UT']) assert.ok(flags.has(f), `traffic has ${f || 'no flags'}`);
    assert.ok(requests.some((r) => r.userAgent?.includes('<script>')));
    assert.ok(requests.some((r) => r.forwardedFor?.includes(', ')));
  });

  for (const [name, format] of [['seed', SEED_FORMAT], ['Envoy default', ENVOY_DEFAULT_FORMAT], ['Istio default', ISTIO_DEFAULT_FORMAT]] as const) {
    it(`${name} format: every line reads back to the values written`, () => {
      const stats = roundTrip({ type: 'text', text: format }, requests);
      assert.equal(stats.lines, requests.length);
      // Hostile agents are 10% of traffic; most must still read back whole.
      assert.ok(stats.failedLines + stats.ambiguousLines < requests.length * 0.1, JSON.stringify(stats));
    });
  }

  it('the seed format marks a forged quote ambiguous rather than guessing', () => {
    const line = text(SEED_FORMAT.slice(0, -1), { ...base, userAgent: 'bot "quoted" agent' });
    const result = compileFormat({ type: 'text', text: SEED_FORMAT }).parse(line);
    assert.ok(result.ok);
    assert.deepEqual(result.ambiguous, [7, 8]);
  });

  it('custom START_TIME forms, truncation and alternatives read back', () => {
    const format = '%START_TIME(%s.%3f)% %START_TIME(%s)% %START_TIME(%f)% %START_TIME(%6f)% %START_TIME(%Y-%m-%dT%H:%M:%S.%3fZ)% ' +
      '[%START_TIME(%Y/%m/%dT%H:%M:%S%z %s)%] %REQ(USER-AGENT):5% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %RESPONSE_FLAGS% %BYTES_SENT%';
    // The unquoted, truncated agent is ambiguous exactly when its first 5 bytes hold a space.
    const stats = roundTrip({ type: 'text', text: format }, requests, (req) => /\s/.test((req.userAgent ?? '').slice(0, 5)));
    assert.ok(stats.failedLines + stats.ambiguousLines > 0 && stats.failedLines + stats.ambiguousLines < requests.length * 0.1);
  });

  it('json_format: typed values read back, one object per line', () => {
    const json = {
      start_time: '%START_TIME%', method: '%REQ(:METHOD)%', path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', code: '%RESPONSE_CODE%',
      flags: '%RESPONSE_FLAGS%', duration: '%DURATION%', took: '%DURATION%ms', service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
      ua: '%REQ(USER-AGENT)%', xff: '%REQ(X-FORWARDED-FOR)%', id: '%REQ(X-REQUEST-ID)%', constant: 'envoy', version: 3,
      upstream: { host: '%UPSTREAM_HOST%', cluster: '%UPSTREAM_CLUSTER%', port: '%UPSTREAM_REMOTE_PORT%' },
      bytes: { in: '%BYTES_RECEIVED%', out: '%BYTES_SENT%' }, epoch: '%START_TIME(%s.%3f)%',
    };
    const stats = roundTrip({ type: 'json', json }, requests);
    assert.equal(stats.failedLines + stats.ambiguousLines, 0);
    const uh = requests.find((r) => r.responseFlags.includes('UH'))!;
    const doc = JSON.parse(new AccessLineWriter({ type: 'json', json }).write(uh));
    assert.equal(doc.code, 503);
    assert.equal(doc.flags, 'UH');
    assert.equal(doc.upstream.host, null);
    assert.equal(doc.upstream.port, null);
    assert.equal(doc.service_time, null);
    assert.equal(doc.duration, 0);
    assert.equal(doc.took, '0ms');
    assert.equal(doc.constant, 'envoy');
    assert.equal(doc.version, 3);
    const ok = JSON.parse(new AccessLineWriter({ type: 'json', json }).write(base));
    assert.equal(ok.service_time, '2', 'a response header stays a string');
    assert.equal(ok.upstream.port, 10000);
  });

  it('omit_empty_values drops missing keys (JSON) and prints nothing (text)', () => {
    const req = { ...base, upstreamHost: null };
    const doc = JSON.parse(new AccessLineWriter({ type: 'json', json: { h: '%UPSTREAM_HOST%', c: '%RESPONSE_CODE%' } }, { omitEmptyValues: true }).write(req));
    assert.deepEqual(doc, { c: 200 });
    assert.equal(new AccessLineWriter({ type: 'text', text: '<%UPSTREAM_HOST%>' }, { omitEmptyValues: true }).write(req), '<>');
  });
});

describe('AccessLineWriter values', () => {
  it('reproduces the seed fixture line', () => {
    const req: AccessRequest = { ...base, startMs: Date.UTC(2025, 11, 16, 9, 45, 56, 365), path: '/test', protocol: 'HTTP/1.0',
      durationMs: 0, requestId: '99032619-a060-481d-8f0d-9d773fad9b12', upstreamHost: '10.105.148.194:10000' };
    assert.equal(text(SEED_FORMAT, req),
      '[2025-12-16T09:45:56.365Z] "GET /test HTTP/1.0" 200 40 0 99032619-a060-481d-8f0d-9d773fad9b12 "curl/7.81.0" "-" 10.105.148.194:10000 app_service -');
  });

  it('START_TIME: default and strftime forms', () => {
    assert.equal(text('%START_TIME%'), '2018-05-29T10:43:10.528Z');
    assert.equal(text('%START_TIME(%s.%3f)%'), '1527590590.528');
    assert.equal(text('%START_TIME(%s)%'), '1527590590');
    assert.equal(text('%START_TIME(%f)%'), '528123456');
    assert.equal(text('%START_TIME(%1f|%6f|%9f)%'), '5|528123|528123456');
    assert.equal(text('%START_TIME(%Y-%m-%dT%H:%M:%S.%3fZ)%'), '2018-05-29T10:43:10.528Z');
    assert.equal(text('%START_TIME(%Y/%m/%dT%H:%M:%S%z %s)%'), '2018/05/29T10:43:10+0000 1527590590');
    assert.equal(text('%START_TIME(%d/%b/%Y:%T %z)%'), '29/May/2018:10:43:10 +0000');
  });

  it(':N truncation, REQ alternatives, flags order, details sanitising, address variants', () => {
    assert.equal(text('%REQ(USER-AGENT):4%'), 'curl');
    assert.equal(text('%REQ(USER-AGENT):400%'), 'curl/7.81.0');
    assert.equal(text('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%'), '/test/items?x=1');
    assert.equal(text('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', { ...base, originalPath: '/orig' }), '/orig');
    assert.equal(text('%REQ(x-request-id)%'), base.requestId);
    assert.equal(text('%REQ(X-MISSING)%'), '-');
    assert.equal(text('%RESPONSE_FLAGS%', { ...base, responseFlags: ['URX', 'UF'] }), 'UF,URX');
    assert.equal(text('%RESPONSE_FLAGS_LONG%', { ...base, responseFlags: ['UH'] }), 'NoHealthyUpstream');
    assert.equal(text('%RESPONSE_CODE_DETAILS%', { ...base, responseCodeDetails: 'a b' }), 'a_b');
    assert.equal(text('%RESPONSE_CODE_DETAILS(ALLOW_WHITESPACES)%', { ...base, responseCodeDetails: 'a b' }), 'a b');
    assert.equal(text('%UPSTREAM_HOST% %UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %UPSTREAM_REMOTE_PORT%'), '10.244.0.81:10000 10.244.0.81 10000');
    assert.equal(text('%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(16)%', { ...base, downstreamRemoteAddress: '10.244.7.9:1' }), '10.244.0.0/16');
    assert.equal(text('%UPSTREAM_HOST%', { ...base, upstreamHost: null }), '-');
    assert.equal(text('"%REQ(USER-AGENT)%"', { ...base, userAgent: '' }), '""', 'present but empty is not missing');
    assert.equal(text('%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%', { ...base, upstreamServiceTimeMs: null }), '-');
    assert.equal(text('100%% %RESPONSE_CODE%'), '100% 200');
  });

  it('every operator Envoy knows renders, and reads back as its own kind', () => {
    const args: Record<string, string> = {
      COMMON_DURATION: 'DS_RX_BEG:DS_TX_END:us', GRPC_STATUS: 'NUMBER', ENVIRONMENT: 'POD_NAME', QUERY_PARAM: 'x',
    };
    const req = { ...base, environment: { POD_NAME: 'nginx-test' } };
    for (const name of knownOperatorNames()) {
      const compiledProbe = (arg?: string) => `<%${name}${arg ? `(${arg})` : ''}%>`;
      let format = compiledProbe();
      try {
        compileFormat({ type: 'text', text: format });
      } catch {
        format = compiledProbe(args[name] ?? 'X-TEST');
      }
      const line = text(format, req);
      assert.ok(line.length > 2, `${name} prints something`);
      const result = compileFormat({ type: 'text', text: format }).parse(line);
      assert.ok(result.ok, `${name}: ${line} does not read back (${!result.ok && result.reason})`);
    }
    assert.equal(text('%ENVIRONMENT(POD_NAME)%', req), 'nginx-test');
    assert.equal(text('%QUERY_PARAM(x)%'), '1');
    assert.equal(text('%COMMON_DURATION(DS_RX_BEG:DS_TX_END:us)%'), '3000');
  });
});
