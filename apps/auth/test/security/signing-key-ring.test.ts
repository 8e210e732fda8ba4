import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SigningKeyRing } from '../../src/security/signing-key-ring.ts';

const settings = { issuer: 'https://auth.test', audience: 'shop-api-test', ttlSeconds: 60 };

test('when AUTH_SIGNING_KEYS is not a JSON array, then the error says what to set and shows none of the value', async () => {
  for (const privateJwks of ['PRIVATE-KEY-MATERIAL-d=abc123', '{"d":"SECRETSECRET"}', '[1, 2]']) {
    await assert.rejects(SigningKeyRing.create({ ...settings, privateJwks }), (error: Error) => {
      assert.match(error.message, /^AUTH_SIGNING_KEYS is not a JSON array of private JWKs/);
      assert.ok(!error.message.includes('PRIVATE'), error.message);
      assert.ok(!error.message.includes('SECRET'), error.message);
      return true;
    });
  }
});

test('when AUTH_SIGNING_KEYS holds a JWK that is not a private Ed25519 key, then it is refused by name', async () => {
  await assert.rejects(
    SigningKeyRing.create({ ...settings, privateJwks: '[{"kty":"RSA","kid":"k1"}]' }),
    /must hold private Ed25519 JWKs/,
  );
});
