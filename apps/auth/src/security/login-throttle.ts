import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AuthErrors } from '../domain/auth.errors.ts';
import type { LoginThrottle } from '../domain/ports.ts';

export interface ThrottleLimits {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
}

/**
 * Counts failed logins per account and per IP address (OWASP's two axes: guessing one account, and
 * spraying many). With Redis the counts hold across replicas; if Redis fails, an in-process limiter
 * takes over rather than letting logins through unthrottled.
 */
export function createLoginThrottle(limits: ThrottleLimits, redis?: Redis): LoginThrottle {
  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const options = {
      keyPrefix,
      points,
      duration: limits.windowSeconds,
      blockDuration: limits.windowSeconds,
    };
    if (!redis) return new RateLimiterMemory(options);
    return new RateLimiterRedis({
      ...options,
      storeClient: redis,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  };
  const perAccount = limiter('auth:login-fail:account', limits.maxFailuresPerAccount);
  const perIp = limiter('auth:login-fail:ip', limits.maxFailuresPerIp);

  const refuse = (msBeforeNext: number) => {
    const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    return AuthErrors.tooManyAttempts(`Too many failed logins; try again in ${seconds} s.`, {
      headers: { 'retry-after': String(seconds) },
      extensions: { retryAfterSeconds: seconds },
    });
  };

  return {
    async assertAllowed(email, ip) {
      const [account, address] = await Promise.all([perAccount.get(email), perIp.get(ip)]);
      for (const [state, max] of [
        [account, limits.maxFailuresPerAccount],
        [address, limits.maxFailuresPerIp],
      ] as const) {
        if (state && state.consumedPoints >= max) throw refuse(state.msBeforeNext);
      }
    },
    async recordFailure(email, ip) {
      // consume() rejects once the limit is passed; that is the blocking we want, not an error.
      await Promise.allSettled([perAccount.consume(email), perIp.consume(ip)]);
    },
    async recordSuccess(email) {
      await perAccount.delete(email);
    },
  };
}
