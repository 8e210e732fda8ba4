import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type IPolicy,
} from 'cockatiel';
import type { Registry } from 'prom-client';
import { Pool } from 'undici';
import { AppError } from '../errors/app-error.ts';
import { exposeBreakerState } from './breaker.metrics.ts';
import { currentRequestId } from './request-context.ts';
import type { BearerTokens } from './service-tokens.ts';

export interface ServiceClientOptions {
  /** Upstream name, used in errors, spans and breaker logs (e.g. "payment"). */
  name: string;
  baseUrl: string;
  timeoutMs?: number;
  /** Extra attempts for idempotent requests only. */
  retries?: number;
  /** Consecutive failures that open the breaker, and how long it stays open before a trial call. */
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
  connections?: number;
  /**
   * Service tokens for the upstream (`ServiceTokenSource.forAudience(name)`): each request carries one as
   * `authorization: Bearer ...`, and a 401 answer drops it and repeats the request once with a new one.
   */
  serviceToken?: BearerTokens;
  /** The service's registry (`app.metrics`): exposes the breaker as `service_client_breaker_state`. */
  registry?: Registry;
}

export interface ServiceRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Makes a POST/PATCH safe to retry; sent as the `Idempotency-Key` header. */
  idempotencyKey?: string;
  /** A POST that changes nothing (a read whose input needs a body, a token request): retried like a GET. */
  safeToRepeat?: boolean;
}

export interface ServiceResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** An answer that counts as a failure of the upstream (5xx, or a body it promised as JSON but is not). */
class UpstreamAnswerError extends Error {
  readonly detail: string;
  readonly status: number;
  readonly reason: 'upstream_5xx' | 'invalid_answer';
  constructor(detail: string, status: number, reason: 'upstream_5xx' | 'invalid_answer') {
    super(`upstream ${detail}`);
    this.detail = detail;
    this.status = status;
    this.reason = reason;
  }
}

/**
 * Why a call got no answer the caller can use. `breaker_open` and `unreachable` (no connection could be
 * made) mean the request never reached the upstream; the others may have taken effect there.
 */
export type UpstreamFailureReason =
  'breaker_open' | 'unreachable' | 'timeout' | 'connection_lost' | 'upstream_5xx' | 'invalid_answer';

/**
 * ServiceClient's 503 (`PLATFORM_ERR_UPSTREAM_UNAVAILABLE`) when a call failed, with why it failed, so a
 * caller can tell "certainly not sent" from "outcome unknown" without reading messages or cockatiel's
 * errors. The reason stays out of the problem body; `isUpstreamFailure` is the guard.
 */
export class UpstreamFailureError extends AppError {
  /** The ServiceClient's name (e.g. "product"). */
  readonly upstream: string;
  readonly reason: UpstreamFailureReason;
  /** The upstream's status, for `upstream_5xx` (and `invalid_answer`). */
  readonly upstreamStatus: number | undefined;

  constructor(
    upstream: string,
    reason: UpstreamFailureReason,
    message: string,
    options: { cause?: unknown; upstreamStatus?: number } = {},
  ) {
    super('PLATFORM_ERR_UPSTREAM_UNAVAILABLE', 503, message, { cause: options.cause });
    this.upstream = upstream;
    this.reason = reason;
    this.upstreamStatus = options.upstreamStatus;
  }

  /** True when the request certainly never reached the upstream: it had no effect there. */
  get notSent(): boolean {
    return this.reason === 'breaker_open' || this.reason === 'unreachable';
  }
}

/** Whether `error` is a ServiceClient's failure of a call (optionally: of the upstream named `upstream`). */
export function isUpstreamFailure(error: unknown, upstream?: string): error is UpstreamFailureError {
  return error instanceof UpstreamFailureError && (upstream === undefined || error.upstream === upstream);
}

// Failures to open a connection at all: the request was never written, whatever its method.
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function neverConnected(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string' && NOT_CONNECTED.has(code)) return true;
  // Happy eyeballs (autoSelectFamily) fails with one error per address tried.
  return Array.isArray(errors) && errors.length > 0 && errors.every(neverConnected);
}

function describeCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

function parseBody(status: number, type: string, text: string): unknown {
  if (!text || !type.includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamAnswerError(
      `answered ${status} with a body that is not the JSON its content-type says`,
      status,
      'invalid_answer',
    );
  }
}

const isTransient = (error: unknown) => !(error instanceof BrokenCircuitError);

// undici pools per origin and rejects a path with a bare "invalid url"; say what is wrong instead.
function originOf({ name, baseUrl }: ServiceClientOptions): string {
  const url = URL.parse(baseUrl);
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.pathname !== '/' || url.search || url.hash) {
    throw new Error(
      `ServiceClient "${name}": baseUrl ${JSON.stringify(baseUrl)} must be an origin like http://payment:3004, ` +
        'without a path; put the path in each request.',
    );
  }
  return url.origin;
}

/**
 * HTTP client for calls between services: a connection pool per upstream, a timeout on every call,
 * retries with backoff only when the request is idempotent, a circuit breaker per upstream, and the
 * trace context and request id propagated in headers. 4xx answers are returned, not thrown.
 */
export class ServiceClient {
  readonly name: string;
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly safePolicy: IPolicy;
  private readonly unsafePolicy: IPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly serviceToken: BearerTokens | undefined;
  private readonly tracer = trace.getTracer('@shop/platform/service-client');
  private readonly unexpose: () => void;

  constructor(opts: ServiceClientOptions) {
    this.name = opts.name;
    this.timeoutMs = opts.timeoutMs ?? 2_000;
    this.serviceToken = opts.serviceToken;
    this.pool = new Pool(originOf(opts), { connections: opts.connections ?? 64 });
    const breakerOpts = opts.breaker ?? { consecutiveFailures: 5, halfOpenAfterMs: 10_000 };
    const breaker = (this.breaker = circuitBreaker(handleWhen(isTransient), {
      halfOpenAfter: breakerOpts.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(breakerOpts.consecutiveFailures),
    }));
    const perAttemptTimeout = timeout(this.timeoutMs, TimeoutStrategy.Aggressive);
    const retries = retry(handleWhen(isTransient), {
      maxAttempts: opts.retries ?? 2,
      backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }),
    });
    this.safePolicy = wrap(retries, breaker, perAttemptTimeout);
    this.unsafePolicy = wrap(breaker, perAttemptTimeout);
    this.unexpose = opts.registry === undefined ? () => {} : exposeBreakerState(opts.registry, this);
  }

  /** The breaker's state (closed, open, half-open), for readiness reports, metrics and tests. */
  get breakerState(): string {
    return CircuitState[this.breaker.state];
  }

  async request<T = unknown>(req: ServiceRequest): Promise<ServiceResponse<T>> {
    const retryable =
      IDEMPOTENT_METHODS.has(req.method) || req.idempotencyKey !== undefined || req.safeToRepeat === true;
    const policy = retryable ? this.safePolicy : this.unsafePolicy;
    return this.tracer.startActiveSpan(
      `${req.method} ${this.name}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': req.method, 'peer.service': this.name, 'url.path': req.path },
      },
      async (span) => {
        try {
          let response = await this.authorized(req, policy);
          // The callee refused the token (expired early, keys rotated, revoked): it did nothing, so the
          // request may be repeated once with a new token, whatever its method.
          if (response.status === 401 && response.token !== undefined) {
            this.serviceToken?.invalidate(response.token);
            response = await this.authorized(req, policy);
          }
          span.setAttribute('http.response.status_code', response.status);
          const { token: _token, ...answer } = response;
          return answer as ServiceResponse<T>;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.recordException(error as Error);
          throw this.toAppError(error);
        } finally {
          span.end();
        }
      },
    );
  }

  async close(): Promise<void> {
    this.unexpose();
    await this.pool.close();
  }

  // The token is fetched outside the policy: an auth outage is not a failure of this upstream's breaker.
  private async authorized(
    req: ServiceRequest,
    policy: IPolicy,
  ): Promise<ServiceResponse & { token?: string }> {
    const token = await this.serviceToken?.get();
    const response = await policy.execute(({ signal }) => this.send(req, signal, token));
    return { ...response, token };
  }

  private async send(req: ServiceRequest, signal: AbortSignal, token?: string): Promise<ServiceResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    propagation.inject(context.active(), headers);
    const requestId = currentRequestId();
    if (requestId) headers['x-request-id'] = requestId;
    if (req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    const res = await this.pool.request({ method: req.method, path: req.path, headers, body, signal });
    const text = await res.body.text();
    const type = String(res.headers['content-type'] ?? '');
    if (res.statusCode >= 500)
      throw new UpstreamAnswerError(`answered ${res.statusCode}`, res.statusCode, 'upstream_5xx');
    return { status: res.statusCode, headers: res.headers, body: parseBody(res.statusCode, type, text) };
  }

  private toAppError(error: unknown): AppError {
    if (error instanceof AppError) return error;
    const failure = (reason: UpstreamFailureReason, message: string, upstreamStatus?: number) =>
      new UpstreamFailureError(this.name, reason, message, {
        cause: error,
        ...(upstreamStatus === undefined ? {} : { upstreamStatus }),
      });
    if (error instanceof BrokenCircuitError)
      return failure('breaker_open', `The ${this.name} service is failing; its circuit is open.`);
    if (error instanceof TaskCancelledError)
      return failure('timeout', `The ${this.name} service did not answer within ${this.timeoutMs} ms.`);
    if (error instanceof UpstreamAnswerError)
      return failure(error.reason, `The ${this.name} service ${error.detail}.`, error.status);
    if (neverConnected(error))
      return failure('unreachable', `The ${this.name} service could not be reached.`);
    return failure(
      'connection_lost',
      `The ${this.name} service's connection broke before it answered (${describeCode(error)}).`,
    );
  }
}
