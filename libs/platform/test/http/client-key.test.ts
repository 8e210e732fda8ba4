import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientKey } from '../../src/index.ts';

describe('clientKey', () => {
  test('when the client has an IPv4 address, then it is keyed by that address', () => {
    assert.equal(clientKey('203.0.113.7'), '203.0.113.7');
    assert.notEqual(clientKey('203.0.113.7'), clientKey('203.0.113.8'));
  });

  test('when an IPv4 address arrives IPv4-mapped, then it gets the same key as written plainly', () => {
    assert.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(clientKey('::ffff:cb00:7107'), '203.0.113.7');
  });

  test('when IPv6 clients share a /64, then they share one key however the address is written', () => {
    const key = clientKey('2001:db8:1:2:3:4:5:6');
    assert.equal(key, '2001:db8:1:2::/64');
    for (const sameNetwork of [
      '2001:db8:1:2::9',
      '2001:DB8:0001:0002:ffff:ffff:ffff:ffff',
      '2001:db8:1:2::',
    ]) {
      assert.equal(clientKey(sameNetwork), key, sameNetwork);
    }
  });

  test('when IPv6 clients are in different /64 networks, then their keys differ', () => {
    assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
    assert.equal(clientKey('fe80::1%eth0'), 'fe80::/64');
  });

  test('when the value is not an IP address, then it is kept as it is', () => {
    assert.equal(clientKey('unknown'), 'unknown');
    assert.equal(clientKey(''), '');
  });
});
