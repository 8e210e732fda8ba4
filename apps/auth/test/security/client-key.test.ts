import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientKey } from '../../src/security/client-key.ts';

test('when addresses share an IPv6 /64, then they are one client; another /64 is another', () => {
  assert.equal(clientKey('2001:db8:1:2::1'), clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'));
  assert.equal(clientKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
});

test('when the address is IPv4, plain or IPv4-mapped, then each address is its own client', () => {
  assert.equal(clientKey('198.51.100.7'), '198.51.100.7');
  assert.equal(clientKey('::ffff:198.51.100.7'), '198.51.100.7');
  assert.notEqual(clientKey('198.51.100.7'), clientKey('198.51.100.8'));
});
