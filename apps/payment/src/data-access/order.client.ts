import { MoneySchema } from '@shop/contracts';
import { AppError, INTERNAL_TOKEN_HEADER, PlatformErrors, ServiceClient } from '@shop/platform';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { OrderDirectory, OrderToPay } from '../domain/ports.ts';

export interface OrderClientOptions {
  /** Origin of the order service, e.g. http://order:3003. */
  baseUrl: string;
  /**
   * Sent in x-internal-token; the order service's INTERNAL_API_TOKEN. The one place the payment service
   * authenticates to another service, so service tokens (issue 10) replace it here only.
   */
  internalToken: string;
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
  private readonly headers: Record<string, string>;
  private readonly halfOpenAfterMs: number;

  constructor(options: OrderClientOptions) {
    const breaker = options.breaker ?? { consecutiveFailures: 5, halfOpenAfterMs: 10_000 };
    this.halfOpenAfterMs = breaker.halfOpenAfterMs;
    this.headers = { [INTERNAL_TOKEN_HEADER]: options.internalToken };
    this.http = new ServiceClient({
      name: 'order',
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      breaker,
    });
  }

  async find(orderId: string): Promise<OrderToPay | null> {
    let res;
    try {
      res = await this.http.request({
        method: 'GET',
        path: `/internal/v1/orders/${encodeURIComponent(orderId)}`,
        headers: this.headers,
      });
    } catch (error) {
      throw this.withRetryAfter(error);
    }
    if (res.status === 404) return null;
    if (res.status === 401)
      throw new Error(
        "The order service refused the payment service's internal token (401); set the same INTERNAL_API_TOKEN on both.",
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
