import argon2 from 'argon2';
import type { PasswordHasher } from '../domain/ports.ts';

/** argon2id with at least OWASP's minimum parameters (m = 19 MiB, t = 2, p = 1). */
export async function createArgon2PasswordHasher(memoryCostKiB: number): Promise<PasswordHasher> {
  const options = { type: argon2.argon2id, memoryCost: memoryCostKiB, timeCost: 2, parallelism: 1 } as const;
  // Verified against when the email is unknown, so both paths cost one argon2 verification.
  const dummyHash = await argon2.hash('dummy-password-for-timing-equalisation', options);
  return {
    hash: (password) => argon2.hash(password, options),
    verify: (hash, password) => argon2.verify(hash, password),
    async verifyDummy(password) {
      await argon2.verify(dummyHash, password);
    },
  };
}
