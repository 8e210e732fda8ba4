import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendHookHandler,
  preHandlerAsyncHookHandler,
  preValidationAsyncHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { problemResponses, registerPeriodicTask } from '@shop/platform';
import { requestFingerprint } from './fingerprint.ts';
import { IdempotencyErrors } from './idempotency.errors.ts';
import { idempotencyMetrics } from './idempotency.metrics.ts';
import { MAX_KEY_LENGTH, parseIdempotencyKey } from './idempotency-key.ts';
import {
  claimKey,
  deleteExpiredKeys,
  recordResponse,
  releaseKey,
  type KeyLease,
  type StoredResponse,
} from './idempotency-keys.repository.ts';
import { IDEMPOTENCY_LIMITS, type IdempotencyStore, type SqlTransaction } from './idempotency-store.ts';

/** Route option `config.idempotency`: the route requires an `Idempotency-Key` header. */
export interface IdempotencyRouteOptions {
  /**
   * The id of the resource the operation creates or changes (e.g. a new order id), chosen once when the key
   * is first recorded and given to every retry as `request.idempotency.resourceId`. It must have no side
   * effects: two racing first attempts may both call it, and only one id is kept.
   */
  resourceId?: (request: FastifyRequest) => string;
}

/** What `complete`'s work returns: the response to send, record and replay. */
export interface IdempotentResponse {
  statusCode: number;
  /** Headers sent and replayed with the response (e.g. `location`); content-type is always JSON. */
  headers?: Record<string, string>;
  /** Serialised with the route's response schema for `statusCode`. */
  body: unknown;
}

/** `request.idempotency` on an opted-in route, once the key is held by this request. */
export interface IdempotentRequest {
  /** The key, unquoted. */
  readonly key: string;
  /** The resource id recorded with the key (see {@link IdempotencyRouteOptions.resourceId}). */
  readonly resourceId: string;
  /**
   * Runs `work` in the store's transaction and records its response there, then sends that exact payload:
   * the effect and "done" commit together or not at all. Return its result from the handler. `TTx` is the
   * store's transaction type (Prisma's transaction client with a Prisma store).
   */
  complete<TTx extends SqlTransaction = SqlTransaction>(
    reply: FastifyReply,
    work: (tx: TTx) => Promise<IdempotentResponse>,
  ): Promise<FastifyReply>;
}

export interface IdempotencyOptions {
  /** Where keys live: one store, or the store of this request (a sharded service picks the caller's shard). */
  store: IdempotencyStore | ((request: FastifyRequest) => IdempotencyStore);
  /** Whose key it is (the authenticated subject): keys are unique per scope. Runs after the route's auth. */
  scope: (request: FastifyRequest) => string;
  /** Every store, for the reaper; required when `store` is a function. */
  stores?: () => IdempotencyStore[];
  /** How long a key is remembered (default 24 h); an older key is new again. */
  ttlMs?: number;
  /**
   * How long an attempt holds a key (default 60 s): longer than the route's slowest run. A retry after that
   * takes the key over with the same resource id, on the assumption that the first attempt died.
   */
  lockTimeoutMs?: number;
  /** `Retry-After` of the 409 answered while the key is in flight (default 1 s). */
  retryAfterSeconds?: number;
  /** Response headers recorded and replayed when the handler answers without `complete` (default content-type, location). */
  replayedHeaders?: string[];
  /** How often expired keys are deleted (default 10 min); 0 leaves it to `app.idempotencyKeys.reap()`. */
  reapIntervalMs?: number;
  /** Keys deleted per statement and store (default 1000); a sweep repeats while a round deletes any. */
  reapBatchSize?: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    idempotency?: IdempotencyRouteOptions;
  }
  interface FastifyRequest {
    /** The held idempotency key; only on routes with `config.idempotency`. */
    readonly idempotency: IdempotentRequest;
  }
  interface FastifyInstance {
    idempotencyKeys: {
      /** Deletes the keys older than the TTL in every store; resolves to how many. */
      reap(): Promise<number>;
    };
  }
}

const HEADER = 'idempotency-key';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
// Answers a retry is meant to re-execute, so they are not recorded.
const TRANSIENT_CLIENT_ERRORS = new Set([408, 425, 429]);

const kKey = Symbol('idempotency.key');
const kAttempt = Symbol('idempotency.attempt');

interface IdempotencyRequestState {
  [kKey]: string | null;
  [kAttempt]: Attempt | null;
}

type RecordAndSend = (
  reply: FastifyReply,
  work: (tx: SqlTransaction) => Promise<IdempotentResponse>,
) => Promise<FastifyReply>;

/** One request's hold on a key, from phase 1 until its outcome is recorded or the key released. */
class Attempt implements IdempotentRequest {
  settled = false;
  readonly store: IdempotencyStore;
  readonly lease: KeyLease;
  readonly #recordAndSend: RecordAndSend;

  constructor(store: IdempotencyStore, lease: KeyLease, recordAndSend: RecordAndSend) {
    this.store = store;
    this.lease = lease;
    this.#recordAndSend = recordAndSend;
  }

  get key(): string {
    return this.lease.key;
  }

  get resourceId(): string {
    if (this.lease.resourceId === null) {
      throw new Error('request.idempotency.resourceId needs the route option config.idempotency.resourceId.');
    }
    return this.lease.resourceId;
  }

  complete<TTx extends SqlTransaction = SqlTransaction>(
    reply: FastifyReply,
    work: (tx: TTx) => Promise<IdempotentResponse>,
  ): Promise<FastifyReply> {
    return this.#recordAndSend(reply, work as (tx: SqlTransaction) => Promise<IdempotentResponse>);
  }
}

/** The attempt lost its key to a retry that took over after its lock expired. */
class LeaseLost extends Error {}

function positiveInteger(name: string, value: number, zeroAllowed = false): number {
  if (!Number.isSafeInteger(value) || value < (zeroAllowed ? 0 : 1)) {
    throw new Error(
      `idempotency option ${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer; got ${value}.`,
    );
  }
  return value;
}

// Scope and resource id come from the service (token subject, generated id), so a bad one is a bug: a 500
// naming it, never a database error.
function storableText(name: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || value.includes('\0')) {
    throw new Error(`The idempotency ${name} must be a string of 1 to ${maxLength} characters without NUL.`);
  }
  return value;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The `Idempotency-Key` header (IETF HTTPAPI draft, Stripe's semantics) for routes that opt in with
 * `config: { idempotency: {} }`: the first request runs and its response is recorded; a retry with the same
 * key and request gets that response again (`Idempotent-Replayed: true`), a different request with the key
 * 422, and a retry while the first still runs 409 with Retry-After. Register it before the routes.
 */
export const idempotencyPlugin = fp(
  async (app: FastifyInstance, options: IdempotencyOptions) => {
    const ttlMs = positiveInteger('ttlMs', options.ttlMs ?? 24 * 60 * 60 * 1000);
    const lockTimeoutMs = positiveInteger('lockTimeoutMs', options.lockTimeoutMs ?? 60_000);
    if (lockTimeoutMs >= ttlMs) {
      throw new Error(
        `idempotency option lockTimeoutMs (${lockTimeoutMs}) must be shorter than ttlMs (${ttlMs}).`,
      );
    }
    const retryAfter = String(positiveInteger('retryAfterSeconds', options.retryAfterSeconds ?? 1));
    const reapIntervalMs = positiveInteger('reapIntervalMs', options.reapIntervalMs ?? 10 * 60 * 1000, true);
    const reapBatchSize = positiveInteger('reapBatchSize', options.reapBatchSize ?? 1000);
    const replayedHeaders = (options.replayedHeaders ?? ['content-type', 'location']).map((h) =>
      h.toLowerCase(),
    );
    const { store } = options;
    const storeOf = typeof store === 'function' ? store : () => store;
    const stores = options.stores ?? (typeof store === 'function' ? undefined : () => [store]);
    if (stores === undefined) {
      throw new Error(
        'idempotency: with a store chosen per request, pass `stores` (every store) so expired keys can be reaped.',
      );
    }
    const ttlSeconds = ttlMs / 1000;
    const lockSeconds = lockTimeoutMs / 1000;
    const count = idempotencyMetrics(app.hasDecorator('metrics') ? app.metrics : undefined);

    app.decorateRequest(kKey, null);
    app.decorateRequest(kAttempt, null);
    app.decorateRequest('idempotency', {
      getter(this: FastifyRequest) {
        const attempt = (this as unknown as IdempotencyRequestState)[kAttempt];
        if (attempt === null) {
          throw new Error(
            'request.idempotency exists only in the handler of a route with config.idempotency.',
          );
        }
        return attempt;
      },
    });

    const readKey: preValidationAsyncHookHandler = async (request) => {
      (request as unknown as IdempotencyRequestState)[kKey] = parseIdempotencyKey(request.headers[HEADER]);
    };

    const claim: preHandlerAsyncHookHandler = async (request, reply) => {
      const state = request as unknown as IdempotencyRequestState;
      const key = state[kKey]!;
      const scope = storableText('scope', options.scope(request), IDEMPOTENCY_LIMITS.scope);
      const keyStore = storeOf(request);
      const routeOptions = request.routeOptions.config.idempotency ?? {};
      const resourceIdOf = routeOptions.resourceId;
      const claimed = await claimKey(keyStore, {
        scope,
        key,
        fingerprint: requestFingerprint({
          method: request.method,
          route: request.routeOptions.url ?? request.url,
          params: request.params,
          query: request.query,
          body: request.body,
        }),
        newResourceId: () =>
          resourceIdOf === undefined
            ? null
            : storableText('resourceId', resourceIdOf(request), IDEMPOTENCY_LIMITS.resourceId),
        ttlSeconds,
        lockSeconds,
      });
      switch (claimed.kind) {
        case 'execute':
          count(claimed.recovered ? 'recovered' : 'executed');
          state[kAttempt] = new Attempt(keyStore, claimed.lease, (replyToSend, work) =>
            recordAndSend(request, replyToSend, work),
          );
          return;
        case 'replay':
          count('replayed');
          return reply
            .code(claimed.response.status)
            .headers(claimed.response.headers)
            .header('idempotent-replayed', 'true')
            .send(claimed.response.body);
        case 'mismatch':
          count('mismatch');
          throw IdempotencyErrors.keyReused();
        case 'in-flight':
          count('in_flight');
          throw IdempotencyErrors.inFlight(undefined, { headers: { 'retry-after': retryAfter } });
      }
    };

    async function recordAndSend(
      request: FastifyRequest,
      reply: FastifyReply,
      work: (tx: SqlTransaction) => Promise<IdempotentResponse>,
    ): Promise<FastifyReply> {
      const attempt = (request as unknown as IdempotencyRequestState)[kAttempt]!;
      if (attempt.settled) throw new Error('request.idempotency.complete() may be called once per request.');
      let stored: StoredResponse;
      try {
        stored = await attempt.store.transaction(async (tx) => {
          const response = await work(tx);
          reply.code(response.statusCode);
          const body = reply.serialize(response.body) as string;
          const headers: Record<string, string> = { 'content-type': JSON_CONTENT_TYPE };
          for (const [name, value] of Object.entries(response.headers ?? {}))
            headers[name.toLowerCase()] = value;
          const recorded = { status: response.statusCode, headers, body };
          const unstorable = whyUnstorable(recorded);
          if (unstorable !== undefined)
            throw new Error(`The response of ${request.routeOptions.url} cannot be recorded: ${unstorable}.`);
          if (!(await recordResponse(tx, attempt.store.schema, attempt.lease, recorded)))
            throw new LeaseLost();
          return recorded;
        });
      } catch (error) {
        if (!(error instanceof LeaseLost)) throw error;
        // Its effects rolled back; the attempt that took over owns the key and its outcome.
        attempt.settled = true;
        count('in_flight');
        throw IdempotencyErrors.inFlight(undefined, { headers: { 'retry-after': retryAfter } });
      }
      attempt.settled = true;
      return reply.code(stored.status).headers(stored.headers).send(stored.body);
    }

    // An answer without `complete`: a client error once execution began is an outcome (nothing happened,
    // and retrying will not change that), so it is recorded like Stripe does; a server error or a transient
    // 4xx leaves the outcome open, so the key is released and a retry runs again with the same resource id.
    // That is safe because the effects are idempotent by that id (the product service's reservation is keyed
    // by the order id, the order insert by its primary key).
    const settle: onSendHookHandler = async (request, reply, payload) => {
      const attempt = (request as unknown as IdempotencyRequestState)[kAttempt];
      if (attempt === null || attempt.settled) return payload;
      attempt.settled = true;
      const status = reply.statusCode;
      const recorded: StoredResponse | undefined =
        status < 500 && !TRANSIENT_CLIENT_ERRORS.has(status) && typeof payload === 'string'
          ? { status, headers: chosenHeaders(reply), body: payload }
          : undefined;
      try {
        if (recorded !== undefined && whyUnstorable(recorded) === undefined) {
          await attempt.store.transaction((tx) =>
            recordResponse(tx, attempt.store.schema, attempt.lease, recorded),
          );
        } else {
          await releaseKey(attempt.store, attempt.lease);
        }
      } catch (err) {
        // The answer still goes out; the key stays in flight until its lock expires, then a retry takes over.
        request.log.warn({ err, status }, 'could not record the outcome of an idempotent request');
      }
      return payload;
    };

    function chosenHeaders(reply: FastifyReply): Record<string, string> {
      const headers: Record<string, string> = {};
      for (const name of replayedHeaders) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      return headers;
    }

    app.addHook('onRoute', (route: RouteOptions) => {
      if (route.config?.idempotency === undefined) return;
      route.preValidation = [...asArray(route.preValidation), readKey];
      route.preHandler = [...asArray(route.preHandler), claim];
      route.onSend = [...asArray(route.onSend), settle];
      route.schema = documented(route.schema ?? {}, ttlMs / 3_600_000);
    });

    // One batch from every store per round; a sweep repeats rounds while they delete something.
    const reapRound = async (): Promise<number> => {
      let deleted = 0;
      for (const target of stores()) {
        deleted += await deleteExpiredKeys(target, { ttlSeconds, limit: reapBatchSize });
      }
      return deleted;
    };
    const reap = async (): Promise<number> => {
      let total = 0;
      let deleted: number;
      do {
        deleted = await reapRound();
        total += deleted;
      } while (deleted > 0);
      return total;
    };
    app.decorate('idempotencyKeys', { reap });
    if (reapIntervalMs > 0) {
      registerPeriodicTask(app, {
        name: 'deleting expired idempotency keys',
        intervalMs: reapIntervalMs,
        round: reapRound,
        didWork: (deleted) => `deleted ${deleted} expired idempotency keys`,
      });
    }
  },
  { name: 'idempotency', fastify: '5.x' },
);

function whyUnstorable(response: StoredResponse): string | undefined {
  if (response.body.length > IDEMPOTENCY_LIMITS.responseBody) {
    return `its body is over ${IDEMPOTENCY_LIMITS.responseBody} characters`;
  }
  if (response.body.includes('\0')) return 'its body contains NUL, which PostgreSQL text cannot hold';
  if (Object.values(response.headers).some((value) => value.includes('\0'))) {
    return 'a header value contains NUL, which jsonb cannot hold';
  }
  if (JSON.stringify(response.headers).length > IDEMPOTENCY_LIMITS.responseHeaders) {
    return `its recorded headers are over ${IDEMPOTENCY_LIMITS.responseHeaders} characters`;
  }
  return undefined;
}

type RouteSchema = NonNullable<RouteOptions['schema']>;

interface HeadersSchema {
  type?: string;
  properties?: Record<string, unknown>;
  required?: string[];
}

/** The route's OpenAPI: the header, required, and the answers this plugin adds. */
function documented(schema: RouteSchema, ttlHours: number): RouteSchema {
  const headers = (schema.headers ?? {}) as HeadersSchema;
  if (headers.type !== undefined && headers.type !== 'object') {
    throw new Error('config.idempotency needs the route headers schema, if any, to be an object schema.');
  }
  return {
    ...schema,
    headers: {
      ...headers,
      type: 'object',
      properties: {
        ...headers.properties,
        [HEADER]: {
          type: 'string',
          minLength: 1,
          // A key of 255 characters, quoted with every character escaped.
          maxLength: 2 * MAX_KEY_LENGTH + 2,
          description: `A unique value per operation (a UUID), the same on every retry of it; up to ${MAX_KEY_LENGTH} printable ASCII characters, quoted or bare. Remembered for ${ttlHours} hours.`,
        },
      },
      required: [...new Set([...(headers.required ?? []), HEADER])],
    },
    response: { ...problemResponses(400, 409, 422), ...(schema.response as object | undefined) },
  };
}
