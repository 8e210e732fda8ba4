import type { Cluster, Redis } from 'ioredis';
import { CartErrors } from '../domain/cart.errors.ts';
import { CART_TTL_SECONDS, type CartLine, type CartStore, type SetLineOutcome } from '../domain/cart.ts';

export interface RedisCartStoreOptions {
  /** Prefix of every cart key (default `cart:`), so environments or test files can share one Redis. */
  keyPrefix?: string;
  ttlSeconds?: number;
}

// Each line is two fields of the customer's hash: `<productId>` -> quantity, and `added:<productId>` ->
// when it was first added (Redis TIME in microseconds), which orders the lines on read. No other fields,
// so HLEN / 2 is the line count.
const ADDED = 'added:';

// A Lua script rather than WATCH/MULTI: the line-count check and the write run as one step on the server,
// in one round trip, with no optimistic retry loop when two tabs of one customer add at once.
const SET_LINE = `
local cart, productId = KEYS[1], ARGV[1]
if redis.call('HEXISTS', cart, productId) == 0 then
  if redis.call('HLEN', cart) / 2 >= tonumber(ARGV[3]) then return 0 end
  local now = redis.call('TIME')
  redis.call('HSET', cart, '${ADDED}' .. productId, now[1] .. string.format('%06d', now[2]))
end
redis.call('HSET', cart, productId, ARGV[2])
redis.call('EXPIRE', cart, ARGV[4])
return 1
`;

interface CartCommands {
  shopCartSetLine(
    key: string,
    productId: string,
    quantity: number,
    maxLines: number,
    ttl: number,
  ): Promise<number>;
}

/**
 * Carts in Redis, one hash per customer (`cart:<customerId>`) that lives 30 days past its last change.
 * Single-key commands only, so it runs on a Redis Cluster as on one node. Redis down or slow -> 503.
 */
export class RedisCartStore implements CartStore {
  private readonly redis: (Redis | Cluster) & CartCommands;
  private readonly keyPrefix: string;
  private readonly ttlSeconds: number;

  constructor(redis: Redis | Cluster, options: RedisCartStoreOptions = {}) {
    // ioredis loads the script once per connection (EVALSHA, falling back to EVAL after a restart).
    if (!('shopCartSetLine' in redis))
      redis.defineCommand('shopCartSetLine', { numberOfKeys: 1, lua: SET_LINE });
    this.redis = redis as (Redis | Cluster) & CartCommands;
    this.keyPrefix = options.keyPrefix ?? 'cart:';
    this.ttlSeconds = options.ttlSeconds ?? CART_TTL_SECONDS;
  }

  lines(customerId: string): Promise<CartLine[]> {
    return this.run(async () => {
      const fields = await this.redis.hgetall(this.key(customerId));
      return Object.entries(fields)
        .filter(([field]) => !field.startsWith(ADDED))
        .map(([productId, quantity]) => ({
          productId,
          quantity: Number(quantity),
          added: Number(fields[ADDED + productId] ?? Number.MAX_SAFE_INTEGER),
        }))
        .sort((a, b) => a.added - b.added || (a.productId < b.productId ? -1 : 1))
        .map(({ productId, quantity }) => ({ productId, quantity }));
    });
  }

  setLine(customerId: string, line: CartLine, { maxLines }: { maxLines: number }): Promise<SetLineOutcome> {
    return this.run(async () => {
      const key = this.key(customerId);
      const stored = await this.redis.shopCartSetLine(
        key,
        line.productId,
        line.quantity,
        maxLines,
        this.ttlSeconds,
      );
      return stored === 1 ? 'set' : 'cart-full';
    });
  }

  removeLine(customerId: string, productId: string): Promise<void> {
    return this.run(async () => {
      const key = this.key(customerId);
      // Removing the last line removes the key, and EXPIRE on a missing key is a no-op.
      const results = await this.redis
        .multi()
        .hdel(key, productId, ADDED + productId)
        .expire(key, this.ttlSeconds)
        .exec();
      const failed = results?.find(([error]) => error)?.[0];
      if (!results || failed) throw failed ?? new Error('the MULTI was discarded');
    });
  }

  clear(customerId: string): Promise<void> {
    return this.run(async () => {
      await this.redis.del(this.key(customerId));
    });
  }

  private key(customerId: string): string {
    return this.keyPrefix + customerId;
  }

  /** Whatever Redis fails with (down, slow, failing over) is a 503 to the client, the cause kept for the log. */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw CartErrors.storeUnavailable(undefined, { cause: error, headers: { 'retry-after': '1' } });
    }
  }
}
