import { clientKey } from '@shop/platform';
import { AuthErrors } from '../domain/auth.errors.ts';
import type { RegistrationThrottle } from '../domain/ports.ts';
import { consumePoint, createLimiter, retryLater, type LimitStore } from './rate-limits.ts';

export interface RegistrationLimits {
  maxPerIp: number;
  ipWindowSeconds: number;
  maxPerMinute: number;
}

/** Sign-ups per client and over all clients, counted before any password is hashed. */
export function createRegistrationThrottle(
  limits: RegistrationLimits,
  store: LimitStore,
): RegistrationThrottle {
  const perIp = createLimiter(store, 'register:ip', {
    points: limits.maxPerIp,
    duration: limits.ipWindowSeconds,
  });
  const overall = createLimiter(store, 'register:all', {
    points: limits.maxPerMinute,
    duration: 60,
  });
  return {
    async consumeAttempt(ip) {
      const refusal = (await consumePoint(perIp, clientKey(ip))) ?? (await consumePoint(overall, 'all'));
      if (refusal) throw retryLater(AuthErrors.tooManyRegistrations, 'sign-ups', refusal.msBeforeNext);
    },
  };
}
