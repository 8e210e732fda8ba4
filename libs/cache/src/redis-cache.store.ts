import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Cluster, Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger, type CacheLogger } from './cache-logger.ts';
import {
  CacheUnavailableError,
  LEASE_BUSY,
  LEASE_GRANTED,
  NEGATIVE,
  type CacheStore,
  type InvalidationListener,
} from './cache-store.ts';

/** Options of {@link RedisCacheStore}. */
export interface RedisCacheStoreOptions {
  /** Runs the commands; created with no offline queue and a command timeout (see `createRedisClients`). */
  client: Redis | Cluster;
  /** A second connection used only for pub/sub invalidations. */
  subscriber: Redis | Cluster;
  /** Prefix of every key and of the invalidation channel, e.g. `cache:product:`. No braces. */
  keyPrefix: string;
  breaker?: {
    /** Consecutive failed commands that open the breaker. Default 5. */
    consecutiveFailures?: number;
    /** How long the breaker stays open before one trial command. Default 5000 ms. */
    halfOpenAfterMs?: number;
  };
  /** Invalidations kept for replay while Redis is unreachable. Default 10 000. */
  maxPendingInvalidations?: number;
  logger?: CacheLogger;
}

// Value and lease keys of one cache key share a hash tag: the lease scripts touch both atomically,
// which Redis Cluster allows only within one slot. Everything else is a single-key command.
const scripts = {
  shopCacheGetOrLease: {
    numberOfKeys: 2,
    lua: `local v = redis.call('GET', KEYS[1])
if v then return v end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`,
  },
  shopCacheFillLeased: {
    numberOfKeys: 2,
    lua: `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
return 1`,
  },
  shopCacheReleaseLease: {
    numberOfKeys: 1,
    lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  },
  shopCacheInvalidate: {
    numberOfKeys: 2,
    lua: `redis.call('DEL', KEYS[1], KEYS[2])
return redis.call('PUBLISH', ARGV[1], ARGV[2])`,
  },
  shopCacheBumpGeneration: {
    numberOfKeys: 1,
    lua: `local g = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], 'g' .. g .. ':' .. ARGV[2])
return g`,
  },
} as const;

type ScriptedClient = (Redis | Cluster) & {
  shopCacheGetOrLease(
    valueKey: string,
    leaseKey: string,
    token: string,
    leaseMs: number,
  ): Promise<string | number>;
  shopCacheFillLeased(
    valueKey: string,
    leaseKey: string,
    token: string,
    json: string,
    ttlMs: number,
  ): Promise<number>;
  shopCacheReleaseLease(leaseKey: string, token: string): Promise<number>;
  shopCacheInvalidate(valueKey: string, leaseKey: string, channel: string, message: string): Promise<number>;
  shopCacheBumpGeneration(generationKey: string, channel: string, namespace: string): Promise<number>;
};

// The empty string is never produced by JSON.stringify, so it can mark a negative entry.
const NEGATIVE_JSON = '';

function decode(raw: string | null): unknown {
  if (raw === null) return undefined;
  return raw === NEGATIVE_JSON ? NEGATIVE : JSON.parse(raw);
}

/**
 * A `CacheStore` on Redis or Redis Cluster. Every command runs through a circuit breaker: once it
 * opens, `available` turns false and the facade stops calling Redis until a trial succeeds.
 * Invalidations that fail are kept and replayed when Redis answers again.
 */
export class RedisCacheStore implements CacheStore {
  readonly #client: ScriptedClient;
  readonly #subscriber: Redis | Cluster;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #halfOpenAfterMs: number;
  readonly #logger: CacheLogger;
  readonly #listeners = new Set<InvalidationListener>();
  readonly #pendingKeys = new Set<string>();
  readonly #pendingNamespaces = new Set<string>();
  readonly #maxPending: number;
  #retryAt = 0;
  #replayTimer: NodeJS.Timeout | undefined;
  #healTimer: NodeJS.Timeout | undefined;
  #listening = false;
  readonly #liveWaiters: (() => void)[] = [];
  #subscribed = false;
  #subscriberWasReady = false;
  #live = false;
  #outageLogged = false;

  constructor(options: RedisCacheStoreOptions) {
    if (/[{}]/.test(options.keyPrefix)) {
      throw new Error(
        `Cache key prefix "${options.keyPrefix}" contains a brace; remove it, braces are reserved for hash tags`,
      );
    }
    this.#prefix = options.keyPrefix;
    this.#channel = `${options.keyPrefix}invalidations`;
    this.#subscriber = options.subscriber;
    this.#logger = options.logger ?? silentLogger;
    this.#maxPending = options.maxPendingInvalidations ?? 10_000;
    this.#halfOpenAfterMs = options.breaker?.halfOpenAfterMs ?? 5_000;
    this.#breaker = circuitBreaker(handleAll, {
      halfOpenAfter: this.#halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breaker?.consecutiveFailures ?? 5),
    });
    this.#breaker.onBreak(() => this.#onBreak());
    this.#breaker.onReset(() => this.#onReset());

    for (const [name, definition] of Object.entries(scripts)) options.client.defineCommand(name, definition);
    this.#client = options.client as ScriptedClient;
    this.#client.on('error', (error: Error) => this.#logOutage(error));
    this.#client.on('ready', () => {
      this.#outageLogged = false;
    });
    this.#subscriber.on('error', (error: Error) => this.#logOutage(error));
    this.#subscriber.on('ready', () => this.#onSubscriberReady());
    this.#subscriber.on('close', () => this.#onSubscriberClosed());
    this.#subscriber.on('-node', () => this.#resetListeners());
    this.#subscriber.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
  }

  get available(): boolean {
    const state = this.#breaker.state;
    return state === CircuitState.Closed || (state === CircuitState.Open && Date.now() >= this.#retryAt);
  }

  /** Resolves true once the command connection is ready, false if that takes longer than `timeoutMs`. */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.#client.status === 'ready') return true;
    const signal = AbortSignal.timeout(timeoutMs);
    const ready = new Promise<boolean>((resolve) => {
      const onReady = (): void => resolve(true);
      this.#client.once('ready', onReady);
      signal.addEventListener('abort', () => {
        this.#client.off('ready', onReady);
        resolve(false);
      });
    });
    return ready;
  }

  async get(key: string): Promise<unknown> {
    const valueKey = this.#valueKey(key);
    return decode(await this.#run(() => this.#client.get(valueKey)));
  }

  async getOrLease(key: string, token: string, leaseMs: number): Promise<unknown> {
    const valueKey = this.#valueKey(key);
    const leaseKey = this.#leaseKey(key);
    const answer = await this.#run(() =>
      this.#client.shopCacheGetOrLease(valueKey, leaseKey, token, Math.ceil(leaseMs)),
    );
    if (typeof answer === 'string') return decode(answer);
    return answer === 1 ? LEASE_GRANTED : LEASE_BUSY;
  }

  async fillLeased(
    key: string,
    token: string,
    _value: unknown,
    json: string,
    ttlMs: number,
  ): Promise<boolean> {
    const valueKey = this.#valueKey(key);
    const leaseKey = this.#leaseKey(key);
    const ttl = Math.max(1, Math.round(ttlMs));
    return (
      (await this.#run(() => this.#client.shopCacheFillLeased(valueKey, leaseKey, token, json, ttl))) === 1
    );
  }

  async releaseLease(key: string, token: string): Promise<void> {
    const leaseKey = this.#leaseKey(key);
    await this.#run(() => this.#client.shopCacheReleaseLease(leaseKey, token));
  }

  async invalidate(key: string): Promise<void> {
    try {
      await this.#invalidateNow(key);
    } catch (error) {
      this.#queue(this.#pendingKeys, key);
      throw error;
    }
  }

  async generation(namespace: string): Promise<number> {
    const generationKey = this.#generationKey(namespace);
    const raw = await this.#run(() => this.#client.get(generationKey));
    return raw === null ? 0 : Number(raw);
  }

  async bumpGeneration(namespace: string): Promise<number> {
    try {
      return await this.#bumpNow(namespace);
    } catch (error) {
      this.#queue(this.#pendingNamespaces, namespace);
      throw error;
    }
  }

  /** Milliseconds until `key` expires, or undefined when absent. */
  async remainingTtl(key: string): Promise<number | undefined> {
    const valueKey = this.#valueKey(key);
    const ttl = await this.#run(() => this.#client.pttl(valueKey));
    return ttl < 0 ? undefined : ttl;
  }

  async subscribe(listener: InvalidationListener): Promise<() => void> {
    this.#listeners.add(listener);
    if (!this.#subscribed) {
      this.#subscribed = true;
      // SUBSCRIBE goes out on a ready connection only (now, or from the 'ready' handler): sent while
      // ioredis still runs its ready check, it turns that check's INFO into an error and the
      // connection is dropped and rebuilt, leaving the L1 unused for a while.
      if (this.#subscriber.status === 'ready') void this.#listen();
      // Connection events can arrive out of order under load; never stay deaf while connected.
      this.#healTimer = setInterval(() => this.#healSubscription(), 1_000);
      this.#healTimer.unref();
      // Wait for it only while Redis is reachable, so a start during an outage is not delayed.
      if (this.#client.status === 'ready') await this.#untilLive(5_000);
    }
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    clearTimeout(this.#replayTimer);
    clearInterval(this.#healTimer);
    this.#listeners.clear();
    await Promise.all([disconnect(this.#client), disconnect(this.#subscriber)]);
  }

  #run<T>(command: () => Promise<T>): Promise<T> {
    if (!this.available) return Promise.reject(new CacheUnavailableError());
    return this.#breaker.execute(command);
  }

  #valueKey(key: string): string {
    return `${this.#prefix}v:{${key}}`;
  }

  #leaseKey(key: string): string {
    return `${this.#prefix}l:{${key}}`;
  }

  #generationKey(namespace: string): string {
    return `${this.#prefix}g:${namespace}`;
  }

  async #invalidateNow(key: string): Promise<void> {
    const valueKey = this.#valueKey(key);
    const leaseKey = this.#leaseKey(key);
    const message = `k${key}`;
    await this.#run(() => this.#client.shopCacheInvalidate(valueKey, leaseKey, this.#channel, message));
  }

  async #bumpNow(namespace: string): Promise<number> {
    const generationKey = this.#generationKey(namespace);
    return this.#run(() => this.#client.shopCacheBumpGeneration(generationKey, this.#channel, namespace));
  }

  #onMessage(channel: string, message: string): void {
    if (channel !== this.#channel) return;
    if (message.startsWith('k')) {
      const key = message.slice(1);
      for (const listener of this.#listeners) listener.keyInvalidated(key);
      return;
    }
    const separator = message.indexOf(':');
    if (message.startsWith('g') && separator > 1) {
      const generation = Number(message.slice(1, separator));
      const namespace = message.slice(separator + 1);
      for (const listener of this.#listeners) listener.generationChanged(namespace, generation);
    }
  }

  get invalidationsLive(): boolean {
    return this.#live;
  }

  #listen(): Promise<boolean> {
    this.#listening = true;
    return this.#subscriber.subscribe(this.#channel).then(
      () => {
        this.#listening = false;
        this.#live = true;
        for (const resolve of this.#liveWaiters.splice(0)) resolve();
        return true;
      },
      (error: unknown) => {
        this.#listening = false;
        this.#logger.warn(
          { err: error },
          'Cache invalidation subscription failed; the L1 stays unused until it is re-established',
        );
        return false;
      },
    );
  }

  /** Resolves once the invalidation feed is live, or after `ms`, whichever comes first. */
  async #untilLive(ms: number): Promise<void> {
    if (this.#live) return;
    const live = Promise.withResolvers<void>();
    this.#liveWaiters.push(live.resolve);
    await Promise.race([live.promise, delay(ms, undefined, { ref: false })]);
    const index = this.#liveWaiters.indexOf(live.resolve);
    if (index >= 0) this.#liveWaiters.splice(index, 1);
  }

  #healSubscription(): void {
    if (!this.#live && !this.#listening && this.#subscriber.status === 'ready') void this.#listen();
  }

  #onSubscriberClosed(): void {
    // From now on writes elsewhere go unheard: what the L1 holds can no longer be trusted.
    if (this.#live) this.#resetListeners();
    this.#live = false;
  }

  #onSubscriberReady(): void {
    // A later "ready" means the subscriber reconnected: whatever was published meanwhile is lost.
    // Subscribing (again: it is idempotent) tells us when messages flow, which ioredis does not.
    if (this.#subscribed) {
      if (this.#subscriberWasReady) {
        this.#live = false;
        this.#resetListeners();
      }
      if (!this.#live && !this.#listening) void this.#listen();
    }
    this.#subscriberWasReady = true;
  }

  #resetListeners(): void {
    for (const listener of this.#listeners) listener.reset();
  }

  #onBreak(): void {
    this.#retryAt = Date.now() + this.#halfOpenAfterMs;
    this.#logger.warn(
      { retryInMs: this.#halfOpenAfterMs },
      'Redis cache circuit opened: reads go straight to the loader until Redis answers again; check that Redis is up and reachable',
    );
  }

  #onReset(): void {
    this.#logger.info({}, 'Redis cache circuit closed: caching resumed');
    this.#resetListeners();
    void this.#replayPending();
  }

  #logOutage(error: Error): void {
    if (this.#outageLogged) return;
    this.#outageLogged = true;
    this.#logger.warn(
      { err: error },
      'Redis cache connection failed; retrying in the background while reads use the loader',
    );
  }

  #queue(pending: Set<string>, item: string): void {
    if (this.#pendingKeys.size + this.#pendingNamespaces.size >= this.#maxPending) {
      this.#logger.warn(
        { item },
        'Too many cache invalidations pending while Redis is unreachable; this one is dropped and expires by TTL',
      );
      return;
    }
    pending.add(item);
    this.#scheduleReplay();
  }

  #scheduleReplay(): void {
    if (this.#replayTimer !== undefined) return;
    this.#replayTimer = setTimeout(() => {
      this.#replayTimer = undefined;
      void this.#replayPending();
    }, this.#halfOpenAfterMs);
    this.#replayTimer.unref();
  }

  async #replayPending(): Promise<void> {
    try {
      for (const key of this.#pendingKeys) {
        await this.#invalidateNow(key);
        this.#pendingKeys.delete(key);
      }
      for (const namespace of this.#pendingNamespaces) {
        await this.#bumpNow(namespace);
        this.#pendingNamespaces.delete(namespace);
      }
    } catch {
      this.#scheduleReplay();
    }
  }
}

async function disconnect(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  client.disconnect();
}
