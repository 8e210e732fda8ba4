import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '@shop/platform';
import argon2 from 'argon2';
import { createArgon2PasswordHasher } from '../../src/security/argon2-password-hasher.ts';

const settings = { memoryCostKiB: 19_456, maxConcurrency: 1, maxQueue: 0 };

test('when the hasher has no queue, then an idle slot still hashes and a busy one answers 503 with Retry-After', async () => {
  const hasher = await createArgon2PasswordHasher(settings);
  const first = hasher.hash('a first passphrase');
  const refused = await hasher.hash('a second passphrase').then(
    () => assert.fail('a second hash ran while the only slot was busy'),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof AppError && refused.code === 'AUTH_ERR_BUSY', String(refused));
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], '1');
  assert.ok(await hasher.verify(await first, 'a first passphrase'));
});

test('when a hash was made with other parameters, then it needs a rehash; a current one does not', async () => {
  const hasher = await createArgon2PasswordHasher(settings);
  const older = await argon2.hash('a passphrase', { type: argon2.argon2id, memoryCost: 19_456, timeCost: 1 });
  assert.equal(hasher.needsRehash(older), true);
  assert.equal(hasher.needsRehash(await hasher.hash('a passphrase')), false);
});
