import argon2 from 'argon2';
import pLimit from 'p-limit';
import { AuthErrors } from '../domain/auth.errors.ts';
import type { PasswordHasher } from '../domain/ports.ts';

export interface HasherSettings {
  memoryCostKiB: number;
  /** Hashes and verifications running at once; the rest wait in the queue. */
  maxConcurrency: number;
  /** Waiting beyond this answers 503 at once rather than piling up behind a flood. */
  maxQueue: number;
}

/**
 * argon2id with at least OWASP's minimum parameters (m = 19 MiB, t = 2, p = 1). Each call is a job on
 * libuv's thread pool, which also serves DNS look-ups and file I/O, so the jobs are capped and queued.
 */
export async function createArgon2PasswordHasher(settings: HasherSettings): Promise<PasswordHasher> {
  const options = {
    type: argon2.argon2id,
    memoryCost: settings.memoryCostKiB,
    timeCost: 2,
    parallelism: 1,
  } as const;
  const limit = pLimit(settings.maxConcurrency);
  const bounded = async <T>(work: () => Promise<T>): Promise<T> => {
    if (limit.activeCount >= settings.maxConcurrency && limit.pendingCount >= settings.maxQueue) {
      throw AuthErrors.busy('Too many password checks at once; try again in a second.', {
        headers: { 'retry-after': '1' },
        extensions: { retryAfterSeconds: 1 },
      });
    }
    return limit(work);
  };
  // Verified against when the email is unknown; made with the current parameters, so it costs what a
  // current account's verification costs.
  const dummyHash = await argon2.hash('dummy-password-for-timing-equalisation', options);
  return {
    hash: (password) => bounded(() => argon2.hash(password, options)),
    verify: (hash, password) => bounded(() => argon2.verify(hash, password)),
    async verifyDummy(password) {
      await bounded(() => argon2.verify(dummyHash, password));
    },
    needsRehash: (hash) => argon2.needsRehash(hash, options),
  };
}
