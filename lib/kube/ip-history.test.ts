import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IpRow } from '../store/collector-store.ts';
import { IpHistory, SERVICE_CLOCK_SLACK_MS } from './ip-history.ts';

const pod = (name: string, ip: string, uid = `uid-${name}`) => ({ ip, namespace: 'shop', name, uid, node: 'node-1' });
const svc = (name: string, ip: string, uid = `uid-${name}`) => ({ ip, namespace: 'shop', name, uid });
const asPod = (name: string, ambiguous: boolean) => ({ kind: 'pod', namespace: 'shop', pod: name, service: null, ambiguous });
const nobody = (kind: 'unknown' | 'external') => ({ kind, namespace: null, pod: null, service: null, ambiguous: false });

/** 10.1.0.5 held by pod a over [1_000_000, 2_000_000), then by pod b from 2_000_000 on. */
function handover(options?: { handoverWindowMs?: number }) {
  const history = new IpHistory(options);
  history.podIpSeen(pod('a', '10.1.0.5'), 1_000_000);
  history.podIpGone('uid-a', '10.1.0.5', 2_000_000);
  history.podIpSeen(pod('b', '10.1.0.5'), 2_000_000);
  return history;
}

describe('IpHistory.attribute', () => {
  it('an IP reused by another pod: before, inside, after, and around the hand-over (default window 10 s)', () => {
    const history = handover();
    const at = (t: number) => history.attribute('10.1.0.5', t);
    assert.deepEqual(at(500_000), nobody('unknown'));
    assert.deepEqual(at(989_999), nobody('unknown'));
    assert.deepEqual(at(990_000), asPod('a', true)); // a starts within the window
    assert.deepEqual(at(1_000_000), asPod('a', false));
    assert.deepEqual(at(1_500_000), asPod('a', false));
    assert.deepEqual(at(1_989_999), asPod('a', false));
    assert.deepEqual(at(1_990_000), asPod('a', true)); // b starts within the window
    assert.deepEqual(at(1_999_999), asPod('a', true));
    assert.deepEqual(at(2_000_000), asPod('b', true)); // a ended within the window
    assert.deepEqual(at(2_009_999), asPod('b', true));
    assert.deepEqual(at(2_010_000), asPod('b', false));
    assert.deepEqual(at(9_000_000), asPod('b', false));
  });

  it('a custom window: 0 makes the hand-over sharp; 60 s widens it', () => {
    const sharp = handover({ handoverWindowMs: 0 });
    assert.deepEqual(sharp.attribute('10.1.0.5', 1_999_999), asPod('a', false));
    assert.deepEqual(sharp.attribute('10.1.0.5', 2_000_000), asPod('b', false));
    assert.deepEqual(sharp.attribute('10.1.0.5', 999_999), nobody('unknown'));
    const wide = handover({ handoverWindowMs: 60_000 });
    assert.deepEqual(wide.attribute('10.1.0.5', 1_945_000), asPod('a', true));
    assert.deepEqual(wide.attribute('10.1.0.5', 2_055_000), asPod('b', true));
    assert.deepEqual(wide.attribute('10.1.0.5', 2_060_000), asPod('b', false));
  });

  it('after a pod is gone, its IP is still that pod (ambiguously) within the window, then nobody', () => {
    const history = new IpHistory();
    history.podIpSeen(pod('c', '10.1.0.9'), 1_000_000);
    history.podIpGone('uid-c', '10.1.0.9', 2_000_000);
    assert.deepEqual(history.attribute('10.1.0.9', 2_005_000), asPod('c', true));
    assert.deepEqual(history.attribute('10.1.0.9', 2_010_000), nobody('unknown'));
  });

  it('in a gap between two pods: the nearest candidate, ambiguously; the earlier on a tie', () => {
    const history = new IpHistory({ handoverWindowMs: 20_000 });
    history.podIpSeen(pod('a', '10.1.0.7'), 0);
    history.podIpGone('uid-a', '10.1.0.7', 100_000);
    history.podIpSeen(pod('b', '10.1.0.7'), 130_000);
    assert.deepEqual(history.attribute('10.1.0.7', 112_000), asPod('a', true));
    assert.deepEqual(history.attribute('10.1.0.7', 115_000), asPod('a', true));
    assert.deepEqual(history.attribute('10.1.0.7', 118_000), asPod('b', true));
    assert.deepEqual(history.attribute('10.1.0.7', 125_000), asPod('b', true));
  });

  it('one pod holding the same IP twice is one pod, also in the gap between its ranges', () => {
    const history = new IpHistory();
    history.podIpSeen(pod('a', '10.1.0.8'), 0);
    history.podIpGone('uid-a', '10.1.0.8', 100_000);
    history.podIpSeen(pod('a', '10.1.0.8'), 105_000);
    for (const t of [50_000, 98_000, 102_000, 106_000, 200_000]) assert.deepEqual(history.attribute('10.1.0.8', t), asPod('a', false), `t=${t}`);
  });

  it('an IP that is a Service ClusterIP at one time and a pod IP at another: time decides', () => {
    const history = new IpHistory();
    history.serviceIpSeen(svc('cart', '10.96.0.10'), 0);
    history.serviceIpGone('uid-cart', '10.96.0.10', 500_000);
    history.podIpSeen(pod('p', '10.96.0.10'), 600_000);
    const asService = { kind: 'service', namespace: 'shop', pod: null, service: 'cart', ambiguous: false };
    assert.deepEqual(history.attribute('10.96.0.10', 100_000), asService);
    assert.deepEqual(history.attribute('10.96.0.10', 499_999), asService);
    assert.deepEqual(history.attribute('10.96.0.10', 550_000), nobody('unknown'));
    assert.deepEqual(history.attribute('10.96.0.10', 595_000), asPod('p', true));
    assert.deepEqual(history.attribute('10.96.0.10', 700_000), asPod('p', false));
    assert.deepEqual(history.attribute('10.96.0.10', null), asPod('p', false));
  });

  it('a Service range holding the time wins over pod ranges nearby', () => {
    const history = new IpHistory();
    history.podIpSeen(pod('p', '10.96.0.11'), 0);
    history.podIpGone('uid-p', '10.96.0.11', 1_000);
    history.serviceIpSeen(svc('api', '10.96.0.11'), 2_000);
    assert.deepEqual(history.attribute('10.96.0.11', 2_500), { kind: 'service', namespace: 'shop', pod: null, service: 'api', ambiguous: false });
    assert.deepEqual(history.attribute('10.96.0.11', 500), asPod('p', false));
  });

  it('a record starting just before its Service\'s creation second (clock skew, START_TIME at the request\'s start) is the Service\'s', () => {
    const history = new IpHistory();
    history.serviceIpSeen(svc('api', '10.96.0.12'), 10_000);
    const api = { kind: 'service', namespace: 'shop', pod: null, service: 'api', ambiguous: false };
    assert.deepEqual(history.attribute('10.96.0.12', 9_200), api);
    assert.deepEqual(history.attribute('10.96.0.12', 10_000 - SERVICE_CLOCK_SLACK_MS), api);
    assert.equal(history.attribute('10.96.0.12', 10_000 - SERVICE_CLOCK_SLACK_MS - 1)!.kind, 'unknown');
  });

  it('loopback is the writing pod when given, else unknown', () => {
    const history = new IpHistory();
    const self = { namespace: 'shop', pod: 'front-1' };
    const mine = { kind: 'pod', namespace: 'shop', pod: 'front-1', service: null, ambiguous: false };
    for (const ip of ['127.0.0.1', '127.3.4.5', '::1', '::ffff:127.0.0.1']) {
      assert.deepEqual(history.attribute(ip, 1_000, self), mine, ip);
      assert.deepEqual(history.attribute(ip, 1_000), nobody('unknown'), ip);
    }
    assert.deepEqual(history.attribute('128.0.0.1', 1_000, self), nobody('external'));
  });

  it('nobody: unknown for private and cluster ranges, external otherwise', () => {
    const history = new IpHistory();
    const unknown = ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.255', 'fd00::1', 'FC00::1', 'fe80::1', 'febf::1'];
    const external = ['8.8.8.8', '1.2.3.4', '172.15.255.255', '172.32.0.1', '192.169.0.1', '100.63.255.255', '100.128.0.1', '2001:db8::1', 'fec0::1', 'fe00::1', '::ffff:8.8.8.8'];
    for (const ip of unknown) assert.deepEqual(history.attribute(ip, 1_000), nobody('unknown'), ip);
    for (const ip of external) assert.deepEqual(history.attribute(ip, 1_000), nobody('external'), ip);
  });

  it('IPv6 addresses compare lower-cased; IPv4-mapped IPv6 is its IPv4 address', () => {
    const history = new IpHistory();
    history.podIpSeen(pod('six', 'FD00:10::ABC'), 1_000);
    history.podIpSeen(pod('four', '10.2.0.3'), 1_000);
    assert.deepEqual(history.attribute('fd00:10::abc', 50_000), asPod('six', false));
    assert.deepEqual(history.attribute('FD00:10::Abc', 50_000), asPod('six', false));
    assert.deepEqual(history.attribute('::FFFF:10.2.0.3', 50_000), asPod('four', false));
  });

  it('null inputs: no IP is no answer; no time is now, preferring open ranges', () => {
    const history = handover();
    assert.equal(history.attribute(null, 1_000), null);
    assert.equal(history.attribute(undefined, 1_000), null);
    assert.equal(history.attribute('', 1_000), null);
    assert.deepEqual(history.attribute('10.1.0.5', null), asPod('b', false));
    assert.deepEqual(history.attribute('10.1.0.5', undefined), asPod('b', false));
    // An open range counts as now even if its start is ahead of this machine's clock.
    history.podIpSeen(pod('later', '10.1.0.6'), Date.now() + 60_000);
    assert.deepEqual(history.attribute('10.1.0.6', null), asPod('later', false));
    assert.deepEqual(new IpHistory().attribute('10.1.0.5', null), nobody('unknown'));
  });

  it('200,000 calls over 1,000 IPs run through', () => {
    const history = new IpHistory();
    const ips = Array.from({ length: 1_000 }, (_, i) => `10.3.${i >> 8}.${i & 255}`);
    ips.forEach((ip, i) => {
      history.podIpSeen(pod(`old-${i}`, ip), 0);
      history.podIpGone(`uid-old-${i}`, ip, 500_000);
      history.podIpSeen(pod(`new-${i}`, ip), 500_000);
    });
    let ambiguous = 0;
    let old = 0;
    for (let n = 0; n < 200_000; n++) {
      const result = history.attribute(ips[n % 1_000], (n * 5) % 1_000_000)!;
      if (result.ambiguous) ambiguous++;
      if (result.pod!.startsWith('old-')) old++;
    }
    // t = 5n steps through [0, 1e6) evenly: 2% of it lies within 10 s of the hand-over at 500 s, half of it before.
    assert.equal(ambiguous, 4_000);
    assert.equal(old, 100_000);
  });
});

describe('IpHistory bookkeeping', () => {
  it('podIpSeen is idempotent while the range is open, and hands back copies', () => {
    const history = new IpHistory();
    const row = history.podIpSeen(pod('a', '10.1.0.1'), 1_000);
    assert.deepEqual(row, { kind: 'pod', ip: '10.1.0.1', namespace: 'shop', name: 'a', uid: 'uid-a', node: 'node-1', fromMs: 1_000, toMs: null });
    assert.equal(history.podIpSeen(pod('a', '10.1.0.1'), 2_000), undefined);
    Object.assign(row!, { toMs: 1_500 }); // changing the returned row changes nothing inside
    assert.deepEqual(history.open('pod').map((r) => [r.uid, r.fromMs, r.toMs]), [['uid-a', 1_000, null]]);
    assert.deepEqual(history.podIpGone('uid-a', '10.1.0.1', 3_000), { ...row, toMs: 3_000 });
    assert.equal(history.podIpGone('uid-a', '10.1.0.1', 4_000), undefined);
    assert.equal(history.podIpGone('uid-nobody', '10.1.0.1', 4_000), undefined);
    assert.equal(history.podIpSeen(pod('a', '10.1.0.1'), 5_000)?.fromMs, 5_000); // seen again after it was gone
    assert.equal(history.podIpSeen(pod('a', ''), 5_000), undefined);
  });

  it('a pod whose IP changed: the old range closes at the new one\'s start', () => {
    const history = new IpHistory();
    history.podIpSeen(pod('a', '10.1.0.1'), 1_000);
    const moved = history.podIpSeen(pod('a', '10.1.0.2'), 5_000);
    assert.deepEqual([moved?.ip, moved?.fromMs, moved?.toMs], ['10.1.0.2', 5_000, null]);
    assert.deepEqual(history.open('pod').map((r) => r.ip), ['10.1.0.2']);
    assert.equal(history.podIpGone('uid-a', '10.1.0.1', 6_000), undefined);
    assert.deepEqual(history.attribute('10.1.0.1', 3_000), asPod('a', false));
    assert.deepEqual(history.attribute('10.1.0.1', 14_000), asPod('a', true));
    assert.deepEqual(history.attribute('10.1.0.1', 15_000), nobody('unknown'));
    assert.deepEqual(history.attribute('10.1.0.2', 15_000), asPod('a', false));
  });

  it('a dual-stack pod keeps its IPv4 address when its IPv6 address is seen', () => {
    const history = new IpHistory();
    history.podIpSeen(pod('a', '10.1.0.1'), 1_000);
    history.podIpSeen(pod('a', 'fd00::1'), 1_000);
    assert.deepEqual(history.open('pod').map((r) => r.ip).sort(), ['10.1.0.1', 'fd00::1']);
  });

  it('Services: idempotent; gone closes; headless (None) has no IP', () => {
    const history = new IpHistory();
    const row = history.serviceIpSeen(svc('cart', '10.96.0.20'), 1_000);
    assert.deepEqual(row, { kind: 'service', ip: '10.96.0.20', namespace: 'shop', name: 'cart', uid: 'uid-cart', fromMs: 1_000, toMs: null });
    assert.equal(history.serviceIpSeen(svc('cart', '10.96.0.20'), 2_000), undefined);
    assert.equal(history.serviceIpSeen(svc('headless', 'None'), 2_000), undefined);
    assert.deepEqual(history.open('service').map((r) => r.name), ['cart']);
    assert.deepEqual(history.open('pod'), []);
    assert.equal(history.serviceIpGone('uid-cart', '10.96.0.20', 3_000)?.toMs, 3_000);
    assert.equal(history.serviceIpGone('uid-cart', '10.96.0.20', 4_000), undefined);
    assert.deepEqual(history.attribute('10.96.0.20', 3_000), nobody('unknown'));
  });

  it('load() of persisted rows, in any order, then attribute and carry on', () => {
    const rows: IpRow[] = [
      { kind: 'pod', ip: '10.1.0.5', namespace: 'shop', name: 'b', uid: 'uid-b', node: 'node-2', fromMs: 2_000_000, toMs: null },
      { kind: 'service', ip: '10.96.0.10', namespace: 'shop', name: 'cart', uid: 'uid-cart', fromMs: 0, toMs: null },
      { kind: 'pod', ip: '10.1.0.5', namespace: 'shop', name: 'a', uid: 'uid-a', node: 'node-1', fromMs: 1_000_000, toMs: 2_000_000 },
    ];
    const history = new IpHistory();
    history.load(rows);
    assert.deepEqual(history.attribute('10.1.0.5', 1_500_000), asPod('a', false));
    assert.deepEqual(history.attribute('10.1.0.5', 2_005_000), asPod('b', true));
    assert.deepEqual(history.attribute('10.1.0.5', 3_000_000), asPod('b', false));
    assert.deepEqual(history.attribute('10.96.0.10', 3_000_000), { kind: 'service', namespace: 'shop', pod: null, service: 'cart', ambiguous: false });
    assert.equal(history.podIpSeen(pod('b', '10.1.0.5'), 4_000_000), undefined); // already open
    assert.deepEqual(history.open('pod').map((r) => r.name), ['b']);
    assert.equal(history.podIpGone('uid-b', '10.1.0.5', 5_000_000)?.fromMs, 2_000_000);
  });

  it('closeMissing after a relist closes the open ranges of uids no longer present', () => {
    const history = new IpHistory();
    history.podIpSeen(pod('a', '10.1.0.1'), 1_000);
    history.podIpSeen(pod('b', '10.1.0.2'), 1_000);
    history.podIpSeen(pod('c', '10.1.0.3'), 1_000);
    history.serviceIpSeen(svc('cart', '10.96.0.1'), 1_000);
    const closed = history.closeMissing('pod', new Set(['uid-b']), 9_000);
    assert.deepEqual(closed.map((r) => [r.name, r.toMs]).sort(), [['a', 9_000], ['c', 9_000]]);
    assert.deepEqual(history.open('pod').map((r) => r.name), ['b']);
    assert.deepEqual(history.open('service').map((r) => r.name), ['cart']);
    assert.deepEqual(history.closeMissing('pod', new Set(['uid-b']), 10_000), []);
    assert.deepEqual(history.attribute('10.1.0.1', 5_000), asPod('a', false));
    assert.deepEqual(history.attribute('10.1.0.1', 30_000), nobody('unknown'));
    assert.deepEqual(history.closeMissing('service', new Set(), 9_000).map((r) => r.name), ['cart']);
  });
});
