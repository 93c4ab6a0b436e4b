import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidAddress, isValidIp, splitAddress } from './address.ts';

const valid = (text: string) => isValidAddress(`x${text}y`, 1, 1 + text.length);

test('splitAddress: IPv4 and IPv6 with port, the old tcp:// form, bare IPs', () => {
  assert.deepEqual(splitAddress('10.244.0.81:10000'), { ip: '10.244.0.81', port: 10000 });
  assert.deepEqual(splitAddress('tcp://10.0.2.1:80'), { ip: '10.0.2.1', port: 80 });
  assert.deepEqual(splitAddress('[::1]:80'), { ip: '::1', port: 80 });
  assert.deepEqual(splitAddress('[fd00::5]:8080'), { ip: 'fd00::5', port: 8080 });
  assert.deepEqual(splitAddress('[fe80::1%eth0]:8080'), { ip: 'fe80::1%eth0', port: 8080 });
  assert.deepEqual(splitAddress('10.1.10.23'), { ip: '10.1.10.23', port: null });
  assert.deepEqual(splitAddress('fd00::5'), { ip: 'fd00::5', port: null });
});

test('splitAddress: socket paths, internal addresses and - have no IP', () => {
  for (const text of ['/var/run/envoy.sock', '@abstract', 'envoy://listener/1', '-', 'host.example:80']) {
    assert.deepEqual(splitAddress(text), { ip: null, port: null }, text);
  }
});

test('isValidAddress checks only the span it is given', () => {
  const line = '"10.44.1.27:80" outbound|8000||x 10.44.1.23:37652';
  assert.ok(isValidAddress(line, 1, 14));
  assert.ok(!isValidAddress(line, 1, 15)); // with the quote
  assert.ok(!isValidAddress(line, 0, 14));
  assert.ok(isValidAddress(line, line.length - 16, line.length));
  // A colon before the span is not the port separator.
  assert.ok(!isValidAddress('1.2.3.4:80', 0, 7));
});

test('IPv4 octets and ports stay in range; IPv6 needs brackets and a port', () => {
  assert.ok(valid('255.255.255.255:65535'));
  assert.ok(!valid('255.255.255.256:80'));
  assert.ok(!valid('1.2.3.4:65536'));
  assert.ok(!valid('01234.1.1.1:80'));
  assert.ok(valid('[2001:db8:85a3::8a2e:370:7334]:443'));
  assert.ok(!valid('[2001:db8::g]:443'));
  assert.ok(!valid('[2001:db8::1]443'));
  assert.ok(valid('udp://[::1]:53'));
});

test('isValidIp: masked CIDR, bare IPv4 and IPv6', () => {
  const ip = (text: string) => isValidIp(text, 0, text.length);
  assert.ok(ip('10.1.0.0/16'));
  assert.ok(ip('2001:db8:1234:5678::/64'));
  assert.ok(ip('::1'));
  assert.ok(!ip('::1/200'));
  assert.ok(!ip('10.1.0.0:80'));
  assert.ok(ip('-'));
});
