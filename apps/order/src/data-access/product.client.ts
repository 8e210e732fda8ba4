import { randomUUID } from 'node:crypto';
import { MoneySchema } from '@shop/contracts';
import {
  AppError,
  type BearerTokens,
  defineError,
  PlatformErrors,
  expectAnswer,
  ServiceClient,
  type ServiceClientOptions,
  type ServiceRequest,
  type ServiceResponse,
} from '@shop/platform';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type {
  ProductCatalog,
  ProductSnapshot,
  ReserveOutcome,
  StockLine,
  StockReservations,
} from '../domain/catalog.ts';

export interface ProductClientOptions {
  /** Origin of the product service, e.g. http://product:3002. */
  baseUrl: string;
  /** Service tokens for the product service (ServiceTokenSource.forAudience('product')). */
  serviceToken: BearerTokens;
  /** Per attempt (default 2000 ms). */
  timeoutMs?: number;
  /** Consecutive failures that open the breaker, and how long it stays open (default 5 and 10 s). */
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
  /** Extra attempts of the calls that are safe to repeat (default 2). */
  retries?: number;
  /** The service's registry: exposes the breaker as service_client_breaker_state{upstream="product"}. */
  registry?: ServiceClientOptions['registry'];
}

/** The most ids the lookup route takes in one call. */
export const LOOKUP_MAX_IDS = 100;

export const StockErrors = {
  reservationConflict: defineError(
    'ORDER_ERR_RESERVATION_CONFLICT',
    409,
    'The product service holds another reservation for this order (other lines, or released); place a new order.',
  ),
  alreadyCommitted: defineError(
    'ORDER_ERR_STOCK_ALREADY_COMMITTED',
    409,
    "This order's stock is already sold, so it cannot be put back on sale; handle it as a return.",
  ),
};

// What the product service answers, checked before it is trusted: a drifted contract fails here, with the
// field named, rather than as a NaN price further on.
const ProductLookupAnswer = Type.Object({
  products: Type.Array(
    Type.Object({
      id: Type.String(),
      sku: Type.String(),
      name: Type.String(),
      price: MoneySchema,
      imageUrl: Type.Union([Type.String(), Type.Null()]),
      sellable: Type.Boolean(),
      available: Type.Integer({ minimum: 0 }),
    }),
  ),
});
const ReservationAnswer = Type.Object({ expiresAt: Type.String({ format: 'date-time' }) });
const ShortageProblem = Type.Object({
  code: Type.Literal('INVENTORY_ERR_INSUFFICIENT_STOCK'),
  unavailable: Type.Array(
    Type.Object({
      productId: Type.String(),
      requested: Type.Integer(),
      available: Type.Integer({ minimum: 0 }),
    }),
  ),
});
const CodedProblem = Type.Object({ code: Type.String() });

const lookupAnswer = Compile(ProductLookupAnswer);
const reservationAnswer = Compile(ReservationAnswer);
const shortageProblem = Compile(ShortageProblem);
const codedProblem = Compile(CodedProblem);

/**
 * The product service as the order service uses it, over the platform's ServiceClient (timeout per
 * attempt, retries only for repeatable calls, one breaker for the upstream). Implements the ports of
 * domain/catalog.ts. An unreachable or failing product service, or an open breaker, is a 503 with
 * Retry-After; an answer outside the contract is a bug and throws a plain Error (500, logged).
 */
export class ProductClient implements ProductCatalog, StockReservations {
  private readonly http: ServiceClient;
  private readonly halfOpenAfterMs: number;

  constructor(options: ProductClientOptions) {
    const breaker = options.breaker ?? { consecutiveFailures: 5, halfOpenAfterMs: 10_000 };
    this.halfOpenAfterMs = breaker.halfOpenAfterMs;
    this.http = new ServiceClient({
      name: 'product',
      baseUrl: options.baseUrl,
      serviceToken: options.serviceToken,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      breaker,
      ...(options.registry === undefined ? {} : { registry: options.registry }),
    });
  }

  /** The breaker's state (Closed, Open, HalfOpen), for readiness and tests. */
  get breakerState(): string {
    return this.http.breakerState;
  }

  async lookup(ids: readonly string[]): Promise<Map<string, ProductSnapshot>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    if (unique.length > LOOKUP_MAX_IDS) {
      throw new Error(
        `lookup takes at most ${LOOKUP_MAX_IDS} ids per call (got ${unique.length}); split the call.`,
      );
    }
    // A read sent as POST (the ids do not fit a URL). The Idempotency-Key is how ServiceClient is told a
    // POST may be repeated; the product service ignores it, and repeating a read is harmless anyway.
    const res = await this.call({
      method: 'POST',
      path: '/internal/v1/products/lookup',
      body: { ids: unique },
      idempotencyKey: randomUUID(),
    });
    if (res.status !== 200) throw unexpected('lookup', res);
    const { products } = expectAnswer(lookupAnswer, res, { upstream: 'product service', call: 'lookup' });
    return new Map(products.map((product) => [product.id, product]));
  }

  async reserve(orderId: string, lines: readonly StockLine[], ttlSeconds: number): Promise<ReserveOutcome> {
    // A PUT keyed by the order id: the product service answers a repeat with the same reservation, so the
    // ServiceClient retries it.
    const res = await this.call({
      method: 'PUT',
      path: `/internal/v1/inventory/reservations/${encodeURIComponent(orderId)}`,
      body: { items: lines.map(({ productId, quantity }) => ({ productId, quantity })), ttlSeconds },
    });
    if (res.status === 200 || res.status === 201) {
      return {
        ok: true,
        expiresAt: new Date(
          expectAnswer(reservationAnswer, res, { upstream: 'product service', call: 'reserve' }).expiresAt,
        ),
      };
    }
    if (res.status === 409 && shortageProblem.Check(res.body)) {
      return { ok: false, shortages: res.body.unavailable };
    }
    if (res.status === 409 && codedProblem.Check(res.body)) {
      throw StockErrors.reservationConflict(
        `The product service refused to reserve stock for order ${orderId} (${res.body.code}); place a new order.`,
        { extensions: { upstreamCode: res.body.code } },
      );
    }
    throw unexpected('reserve', res);
  }

  async release(orderId: string): Promise<void> {
    const res = await this.call({
      method: 'POST',
      path: `/internal/v1/inventory/reservations/${encodeURIComponent(orderId)}/release`,
      // Releasing is idempotent on the product side (releasing twice changes nothing), so it may be retried.
      idempotencyKey: `release-${orderId}`,
    });
    if (res.status === 200 || res.status === 404) return;
    if (res.status === 409 && codedProblem.Check(res.body)) {
      if (res.body.code === 'INVENTORY_ERR_RESERVATION_RELEASED') return;
      if (res.body.code === 'INVENTORY_ERR_RESERVATION_COMMITTED') {
        throw StockErrors.alreadyCommitted(undefined, { extensions: { orderId } });
      }
    }
    throw unexpected('release', res);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async call(req: ServiceRequest): Promise<ServiceResponse> {
    try {
      return await this.http.request(req);
    } catch (error) {
      throw this.withRetryAfter(error);
    }
  }

  /** ServiceClient's 503 says what failed; the client also needs to know when to come back. */
  private withRetryAfter(error: unknown): unknown {
    if (!(error instanceof AppError) || error.status !== 503 || error.headers['retry-after']) return error;
    const seconds = this.breakerState === 'Open' ? Math.max(1, Math.ceil(this.halfOpenAfterMs / 1000)) : 1;
    return new AppError(error.code, error.status, error.message, {
      extensions: { ...error.extensions },
      headers: { ...error.headers, 'retry-after': String(seconds) },
      cause: error.cause ?? error,
    });
  }
}

/**
 * An answer the contract does not allow here: a refused service token (the two services trust different
 * auth services, or the order client lacks a scope), a request the product service finds invalid, or a
 * route it does not have (an older product service).
 */
function unexpected(call: string, res: ServiceResponse): Error {
  const code = codedProblem.Check(res.body) ? ` ${res.body.code}` : '';
  if (res.status === 401 || res.status === 403) {
    return new Error(
      `The product service refused the order service's service token on ${call} (${res.status}${code}); ` +
        "check that both trust the same auth service (AUTH_ISSUER, AUTH_JWKS_URL) and that the order client's " +
        'grants in SERVICE_CLIENTS include the scope this call needs.',
    );
  }
  if (res.status === 400) {
    return new Error(
      `The product service found the order service's ${call} request invalid (400${code}): a bug in the ` +
        'order service, or the two run versions with different contracts.',
    );
  }
  return PlatformErrors.upstreamUnavailable(
    `The product service answered ${call} with ${res.status}${code}, which the order service does not expect; ` +
      'check that both services run matching versions.',
    { headers: { 'retry-after': '1' } },
  );
}
