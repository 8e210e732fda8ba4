import type { AppError } from '@shop/platform';
import type { Cluster, Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

/** Where limits are counted: in Redis when there is one, under a prefix of their own. */
export interface LimitStore {
  redis: Redis | Cluster | undefined;
  keyPrefix: string;
}

/**
 * A limiter counted in Redis, so it holds across replicas, with an in-process one taking over if Redis
 * fails rather than letting requests through uncounted; in process only when there is no Redis.
 */
export function createLimiter(
  store: LimitStore,
  name: string,
  options: Omit<IRateLimiterOptions, 'keyPrefix'>,
): RateLimiterAbstract {
  const named = { ...options, keyPrefix: `${store.keyPrefix}${name}` };
  if (!store.redis) return new RateLimiterMemory(named);
  return new RateLimiterRedis({
    ...named,
    storeClient: store.redis,
    insuranceLimiter: new RateLimiterMemory(named),
  });
}

export type Refusal = (message: string, options: ConstructorParameters<typeof AppError>[3]) => AppError;

/** The 429 a refused request gets, with Retry-After in whole seconds. */
export function retryLater(refusal: Refusal, what: string, msBeforeNext: number): AppError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return refusal(`Too many ${what}; try again in ${seconds} s.`, {
    headers: { 'retry-after': String(seconds) },
    extensions: { retryAfterSeconds: seconds },
  });
}

/** Counts one point atomically; returns the refusal when the key is over its limit (or blocked). */
export async function consumePoint(
  limiter: RateLimiterAbstract,
  key: string,
): Promise<RateLimiterRes | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (error) {
    if (error instanceof RateLimiterRes) return error;
    throw error;
  }
}
