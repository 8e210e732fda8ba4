import { clientKey } from '@shop/platform';
import { AuthErrors } from '../domain/auth.errors.ts';
import type { LoginThrottle } from '../domain/ports.ts';
import { consumePoint, createLimiter, retryLater, type LimitStore } from './rate-limits.ts';

export interface ThrottleLimits {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
  lockoutSeconds: number;
  maxLockoutSeconds: number;
}

/**
 * Every login attempt takes a point before its password is checked (one atomic increment, so a burst of
 * concurrent guesses cannot all be checked) and a correct password gives it back. Two axes, as OWASP
 * advises: one account from one client (so a stranger's failures never lock the owner out from
 * elsewhere), locked out for a time that doubles with each lockout; and one client over all accounts.
 */
export function createLoginThrottle(
  limits: ThrottleLimits,
  store: LimitStore,
  // The token endpoint counts its failed client authentications apart, under names of its own.
  counted: { name: string; what: string } = { name: 'login', what: 'failed logins' },
): LoginThrottle {
  const perAccount = createLimiter(store, `${counted.name}-fail:account-client`, {
    points: limits.maxFailuresPerAccount,
    duration: limits.windowSeconds,
  });
  // Remembered long enough that lockouts keep growing until they reach the maximum.
  const lockouts = createLimiter(store, `${counted.name}-lockouts:account-client`, {
    points: 1,
    duration: 2 * limits.maxLockoutSeconds,
  });
  const perIp = createLimiter(store, `${counted.name}-fail:ip`, {
    points: limits.maxFailuresPerIp,
    duration: limits.windowSeconds,
    blockDuration: limits.windowSeconds,
  });
  const refuse = (msBeforeNext: number) => retryLater(AuthErrors.tooManyAttempts, counted.what, msBeforeNext);

  // Only the attempt that crossed the limit locks the key out (and counts a lockout); those after it
  // meet the block it set.
  async function lockOut(key: string, consumedPoints: number, msBeforeNext: number): Promise<number> {
    if (consumedPoints !== limits.maxFailuresPerAccount + 1) return msBeforeNext;
    const { consumedPoints: lockoutCount } = await lockouts.penalty(key);
    const seconds = Math.min(limits.lockoutSeconds * 2 ** (lockoutCount - 1), limits.maxLockoutSeconds);
    await perAccount.block(key, seconds);
    return seconds * 1000;
  }

  return {
    async consumeAttempt(email, ip) {
      const client = clientKey(ip);
      const key = `${email}|${client}`;
      // The client first: one that is refused leaves no per-account keys behind, however many emails it tries.
      const address = await consumePoint(perIp, client);
      if (address) throw refuse(address.msBeforeNext);
      const account = await consumePoint(perAccount, key);
      if (account) throw refuse(await lockOut(key, account.consumedPoints, account.msBeforeNext));
    },
    async recordSuccess(email, ip) {
      const client = clientKey(ip);
      const key = `${email}|${client}`;
      await Promise.all([perAccount.delete(key), lockouts.delete(key), perIp.reward(client)]);
    },
  };
}
