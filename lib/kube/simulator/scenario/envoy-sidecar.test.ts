import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFormat } from '../../../envoy/compile-format.ts';
import { SEED_FORMAT } from '../../../envoy/default-formats.ts';
import { EnvoySidecar, type Resolver } from './envoy-sidecar.ts';
import { clusterDns, endpointSlicesFor, seedBackendPod, seedEnvoyYaml, seedNginxPod, seedScenarioObjects, seedServices } from './seed-scenario.ts';

const seedParser = compileFormat({ type: 'text', text: SEED_FORMAT });
const T0 = Date.UTC(2025, 11, 16, 10, 5, 56, 365);
const quiet = { mix: { unroutedShare: 0 }, failures: { connectFailure: 0, timeout: 0 } };

function field(line: string, key: string): unknown {
  const result = seedParser.parse(line);
  assert.ok(result.ok, `${line} does not parse`);
  assert.equal(result.ambiguous, undefined, `${line} is ambiguous`);
  return result.values[seedParser.keys.indexOf(key)];
}
const upstreams = (lines: string[]) => lines.map((l) => field(l, 'UPSTREAM_HOST'));

/** DNS of the seed with only the given backends running. */
function dnsWith(backends: number[]): Resolver {
  const services = seedServices();
  const pods = [seedNginxPod(), ...backends.map((i) => seedBackendPod(i))];
  return clusterDns([...services, ...pods, ...endpointSlicesFor(services, pods)]);
}

describe('EnvoySidecar with the seed configs', () => {
  it('ClusterIP config: every upstream is the Service VIP', () => {
    const sidecar = new EnvoySidecar(seedEnvoyYaml('clusterip'), quiet);
    const lines = sidecar.nextLines(T0, 500, clusterDns(seedScenarioObjects()));
    assert.equal(lines.length, 500);
    assert.deepEqual(new Set(upstreams(lines)), new Set(['10.105.148.194:10000']));
    for (const l of lines) assert.equal(field(l, 'UPSTREAM_CLUSTER'), 'app_service');
  });

  it('headless config: round robin alternates the two pods exactly, then follows DNS after the refresh', () => {
    const sidecar = new EnvoySidecar(seedEnvoyYaml('headless'), quiet);
    const both = sidecar.nextLines(T0, 100, dnsWith([0, 1]));
    const hosts = upstreams(both);
    hosts.forEach((h, i) => assert.equal(h, i % 2 === 0 ? '10.244.0.81:10000' : '10.244.0.82:10000'));
    // Backend 1 is gone, but Envoy has not re-resolved yet: it keeps sending to both for up to 5 s.
    const stale = upstreams(sidecar.nextLines(T0 + 4999, 10, dnsWith([0])));
    assert.deepEqual(new Set(stale), new Set(['10.244.0.81:10000', '10.244.0.82:10000']));
    const after = upstreams(sidecar.nextLines(T0 + 5000, 50, dnsWith([0])));
    assert.deepEqual(new Set(after), new Set(['10.244.0.81:10000']));
  });

  it('no ready hosts: 503 UH with no upstream host', () => {
    const sidecar = new EnvoySidecar(seedEnvoyYaml('headless'), quiet);
    for (const line of sidecar.nextLines(T0, 20, dnsWith([]))) {
      assert.equal(field(line, 'RESPONSE_CODE'), 503);
      assert.equal(field(line, 'RESPONSE_FLAGS'), 'UH');
      assert.equal(field(line, 'UPSTREAM_HOST'), null);
      assert.match(line, / - app_service UH$/);
    }
  });

  it('default traffic: varied, parses back with the seed format, failures carry the right flags', () => {
    const sidecar = new EnvoySidecar(seedEnvoyYaml('headless'), { seed: 3 });
    const resolve = dnsWith([0, 1]);
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) lines.push(...sidecar.nextLines(T0 + i * 1000, 25, resolve));
    const codes = new Map<string, number>();
    for (const line of lines) {
      const key = `${field(line, 'RESPONSE_CODE')} ${field(line, 'RESPONSE_FLAGS') ?? '-'}`;
      codes.set(key, (codes.get(key) ?? 0) + 1);
      const host = field(line, 'UPSTREAM_HOST');
      const flags = field(line, 'RESPONSE_FLAGS');
      if (flags === 'NR') assert.equal(host, null);
      else assert.match(String(host), /^10\.244\.0\.8[12]:10000$/);
      assert.match(String(field(line, 'REQ(X-REQUEST-ID)')), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    for (const k of ['200 -', '404 NR', '503 UF,URX', '504 UT', '500 -']) assert.ok(codes.has(k), `has ${k}: ${[...codes.keys()]}`);
    assert.ok(codes.get('200 -')! > lines.length * 0.8);
    const methods = new Set(lines.map((l) => field(l, 'REQ(:METHOD)')));
    assert.ok(methods.has('GET') && methods.has('POST'));
    assert.ok(lines.some((l) => field(l, 'REQ(X-FORWARDED-FOR)') !== null));
    const durations = lines.map((l) => field(l, 'DURATION') as number).sort((a, b) => a - b);
    assert.ok(durations[Math.floor(durations.length / 2)]! < 20 && durations.at(-1)! > 100, 'log-normal with a tail');
  });

  it('is deterministic for a seed, and shares a given request id', () => {
    const run = (seed: number) => new EnvoySidecar(seedEnvoyYaml('headless'), { seed }).nextLines(T0, 50, dnsWith([0, 1]));
    assert.deepEqual(run(5), run(5));
    assert.notDeepEqual(run(5), run(6));
    const sidecar = new EnvoySidecar(seedEnvoyYaml('headless'), quiet);
    const [a, b] = sidecar.nextLines(T0, 2, dnsWith([0, 1]), { requestIds: ['11111111-2222-4333-8444-555555555555'] });
    assert.equal(field(a!, 'REQ(X-REQUEST-ID)'), '11111111-2222-4333-8444-555555555555');
    assert.notEqual(field(b!, 'REQ(X-REQUEST-ID)'), '11111111-2222-4333-8444-555555555555');
  });
});

describe('EnvoySidecar cluster types and balancing', () => {
  const headless = seedEnvoyYaml('headless');

  it('LOGICAL_DNS uses the first resolved address only', () => {
    const sidecar = new EnvoySidecar(headless.replace('type: STRICT_DNS', 'type: LOGICAL_DNS'), quiet);
    assert.deepEqual(new Set(upstreams(sidecar.nextLines(T0, 40, dnsWith([0, 1])))), new Set(['10.244.0.81:10000']));
  });

  it('STATIC uses the listed addresses and ignores DNS', () => {
    const config = headless.replace('type: STRICT_DNS', 'type: STATIC').replace('"backend-headless-service"', '"10.244.0.82"');
    const sidecar = new EnvoySidecar(config, quiet);
    assert.deepEqual(new Set(upstreams(sidecar.nextLines(T0, 20, () => { throw new Error('no DNS for STATIC'); }))), new Set(['10.244.0.82:10000']));
  });

  it('RANDOM picks among the hosts without a fixed rotation', () => {
    const sidecar = new EnvoySidecar(headless.replace('lb_policy: ROUND_ROBIN', 'lb_policy: RANDOM'), quiet);
    const hosts = upstreams(sidecar.nextLines(T0, 400, dnsWith([0, 1])));
    const first = hosts.filter((h) => h === '10.244.0.81:10000').length;
    assert.ok(first > 140 && first < 260, `balanced: ${first}/400`);
    assert.ok(hosts.some((h, i) => i > 0 && h === hosts[i - 1]), 'not strict alternation');
  });

  it('LEAST_REQUEST with equal weights rotates like round robin', () => {
    const sidecar = new EnvoySidecar(headless.replace('lb_policy: ROUND_ROBIN', 'lb_policy: LEAST_REQUEST'), quiet);
    const hosts = upstreams(sidecar.nextLines(T0, 10, dnsWith([0, 1])));
    hosts.forEach((h, i) => assert.equal(h, i % 2 === 0 ? '10.244.0.81:10000' : '10.244.0.82:10000'));
  });

  it('honours dns_refresh_rate', () => {
    const config = headless.replace('connect_timeout: 1s', 'connect_timeout: 1s\n    dns_refresh_rate: 1s');
    const sidecar = new EnvoySidecar(config, quiet);
    assert.equal(sidecar.cluster.dnsRefreshRateMs, 1000);
    sidecar.nextLines(T0, 2, dnsWith([0, 1]));
    assert.deepEqual(new Set(upstreams(sidecar.nextLines(T0 + 1000, 10, dnsWith([1])))), new Set(['10.244.0.82:10000']));
  });
});
