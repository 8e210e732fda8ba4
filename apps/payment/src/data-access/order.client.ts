import { MoneySchema } from '@shop/contracts';
import { AppError, type BearerTokens, PlatformErrors, ServiceClient } from '@shop/platform';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { OrderDirectory, OrderToPay } from '../domain/ports.ts';

export interface OrderClientOptions {
  /** Origin of the order service, e.g. http://order:3003. */
  baseUrl: string;
  /** Service tokens for the order service (ServiceTokenSource.forAudience('order'), scope orders:read). */
  serviceToken: BearerTokens;
  /** Per attempt (default 2000 ms). */
  timeoutMs?: number;
  /** Consecutive failures that open the breaker, and how long it stays open (default 5 and 10 s). */
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
}

// The order service's internal read, checked before it is trusted: the amount charged comes from here.
const InternalOrderAnswer = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  status: Type.String(),
  total: MoneySchema,
  paymentId: Type.Union([Type.String(), Type.Null()]),
});
const orderAnswer = Compile(InternalOrderAnswer);

/**
 * The order service's `GET /internal/v1/orders/:id` over the platform's ServiceClient (timeout, retries of
 * the read, a breaker). An unreachable order service is a 503 with Retry-After; an answer outside the
 * contract is a bug (500, logged) that names what to fix.
 */
export class OrderClient implements OrderDirectory {
  private readonly http: ServiceClient;
  private readonly halfOpenAfterMs: number;

  constructor(options: OrderClientOptions) {
    const breaker = options.breaker ?? { consecutiveFailures: 5, halfOpenAfterMs: 10_000 };
    this.halfOpenAfterMs = breaker.halfOpenAfterMs;
    this.http = new ServiceClient({
      name: 'order',
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      breaker,
      serviceToken: options.serviceToken,
    });
  }

  async find(orderId: string): Promise<OrderToPay | null> {
    let res;
    try {
      res = await this.http.request({
        method: 'GET',
        path: `/internal/v1/orders/${encodeURIComponent(orderId)}`,
      });
    } catch (error) {
      throw this.withRetryAfter(error);
    }
    if (res.status === 404) return null;
    if (res.status === 401 || res.status === 403)
      throw new Error(
        `The order service refused the payment service's service token (${res.status}); check that both trust the ` +
          "same auth service (AUTH_ISSUER, AUTH_JWKS_URL) and that the payment client's grants in SERVICE_CLIENTS " +
          'include orders:read.',
      );
    if (res.status !== 200)
      throw PlatformErrors.upstreamUnavailable(
        `The order service answered its order read with ${res.status}; retry shortly.`,
        { headers: { 'retry-after': '1' } },
      );
    if (!orderAnswer.Check(res.body)) {
      const [first] = orderAnswer.Errors(res.body);
      throw new Error(
        `The order service's order read does not match the contract the payment service reads ` +
          `(${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}); deploy matching versions of both.`,
      );
    }
    const { id, customerId, status, total, paymentId } = res.body;
    return { id, customerId, status, total, paymentId };
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** ServiceClient's 503 says what failed; the client also needs to know when to come back. */
  private withRetryAfter(error: unknown): unknown {
    if (!(error instanceof AppError) || error.status !== 503 || error.headers['retry-after']) return error;
    const seconds =
      this.http.breakerState === 'Open' ? Math.max(1, Math.ceil(this.halfOpenAfterMs / 1000)) : 1;
    return new AppError(error.code, error.status, error.message, {
      extensions: { ...error.extensions },
      headers: { ...error.headers, 'retry-after': String(seconds) },
      cause: error.cause ?? error,
    });
  }
}
