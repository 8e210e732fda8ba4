import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jitterTtl } from '../src/index.ts';

test('when the random draw is at its extremes, then the TTL stays within [ttl * (1 - ratio), ttl]', () => {
  assert.equal(
    jitterTtl(10_000, 0.1, () => 0),
    10_000,
  );
  assert.equal(
    jitterTtl(10_000, 0.1, () => 0.999_999),
    9_000,
  );
  assert.equal(
    jitterTtl(10_000, 0.25, () => 0.5),
    8_750,
  );
});

test('when the TTL is tiny, then the jittered TTL is still at least one millisecond', () => {
  assert.equal(
    jitterTtl(1, 0.9, () => 0.999),
    1,
  );
});
