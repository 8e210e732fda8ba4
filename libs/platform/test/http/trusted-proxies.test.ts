import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from 'typebox';
import { ConfigError, loadConfig, platformEnv } from '../../src/index.ts';
import { trustedProxies } from '../../src/http/trusted-proxies.ts';

const PlatformSchema = Type.Object({ ...platformEnv });

describe('TRUST_PROXY', () => {
  test('when it is unset or false, then no proxy is trusted', () => {
    assert.equal(loadConfig(PlatformSchema, {}).TRUST_PROXY, undefined);
    assert.equal(trustedProxies(undefined), false);
    assert.equal(trustedProxies('false'), false);
  });

  test('when it lists addresses, CIDR ranges and named ranges, then each is passed on', () => {
    const config = loadConfig(PlatformSchema, { TRUST_PROXY: '10.0.0.0/8, 192.0.2.10,fd00::/8,loopback' });
    assert.deepEqual(trustedProxies(config.TRUST_PROXY), [
      '10.0.0.0/8',
      '192.0.2.10',
      'fd00::/8',
      'loopback',
    ]);
  });

  test('when it would trust any client or is not an address, then the start-up fails naming the value', () => {
    for (const [value, reason] of [
      ['true', /cannot tell a proxy from a client/],
      ['2', /cannot tell a proxy from a client/],
      ['10.0.0.0/8,ingress.local', /"ingress\.local" is not an IP address/],
      ['10.0.0.0/33', /prefix length outside 1-32/],
      ['10.1', /"10\.1" is not an IP address/],
    ] as const) {
      assert.throws(
        () => loadConfig(PlatformSchema, { TRUST_PROXY: value }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.some((p) => p.startsWith('TRUST_PROXY=') && reason.test(p)),
        value,
      );
      assert.throws(() => trustedProxies(value), reason, value);
    }
  });
});
