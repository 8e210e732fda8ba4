import type { ServiceAudience } from '@shop/contracts';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { type AppError, PlatformErrors } from '../errors/app-error.ts';
import { ServiceClient } from './service-client.ts';

/** Bearer tokens for one callee, as a ServiceClient takes them (`serviceToken` option). */
export interface BearerTokens {
  /** A valid token: the cached one, or a new one fetched (503 AppError when none can be had). */
  get(): Promise<string>;
  /** The callee refused `token` (401): forget it, so the next `get` fetches another. */
  invalidate(token: string): void;
}

export interface ServiceTokenSourceOptions {
  /** The auth service's token endpoint, e.g. http://auth:3001/api/v1/auth/oauth/token. */
  tokenUrl: string;
  /** This service's OAuth client (SERVICE_CLIENT_ID / SERVICE_CLIENT_SECRET). */
  clientId: string;
  clientSecret: string;
  /** Per attempt of a token request (default 2000 ms). */
  timeoutMs?: number;
  /**
   * A token is renewed once this share of its lifetime has passed, less a random share of up to `jitter`,
   * so the replicas of a service do not all renew at the same moment (default 0.8 and 0.1).
   */
  renewAfter?: number;
  jitter?: number;
  /** Clock and randomness, for tests. */
  now?: () => number;
  random?: () => number;
}

interface CachedToken {
  token: string;
  /** From here a request still gets this token, and a renewal starts in the background. */
  renewAt: number;
  /** From here the token is not handed out: it could expire on the way to the callee. */
  usableUntil: number;
}

const TokenAnswer = Compile(
  Type.Object({
    access_token: Type.String({ minLength: 1 }),
    token_type: Type.String(),
    expires_in: Type.Integer({ minimum: 1 }),
  }),
);
const OAuthError = Compile(
  Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) }),
);

// RFC 6749 §2.3.1: both halves are form-urlencoded before they are joined and base64-encoded.
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

/**
 * Service tokens from the auth service (OAuth 2.0 client credentials), one cached per audience: renewed in
 * the background before it expires, fetched once however many requests wait for it, and kept while auth
 * cannot be reached for as long as it is valid. One per process, shared by its ServiceClients:
 *
 * ```ts
 * const tokens = new ServiceTokenSource({ tokenUrl, clientId, clientSecret });
 * new ServiceClient({ name: 'order', baseUrl, serviceToken: tokens.forAudience('order') });
 * ```
 */
export class ServiceTokenSource {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  private readonly http: ServiceClient;
  private readonly path: string;
  private readonly authorization: string;
  private readonly clientId: string;
  private readonly renewAfter: number;
  private readonly jitter: number;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(opts: ServiceTokenSourceOptions) {
    const url = URL.parse(opts.tokenUrl);
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      throw new Error(
        `ServiceTokenSource: tokenUrl ${JSON.stringify(opts.tokenUrl)} is not an http(s) URL; set it to the auth ` +
          "service's token endpoint, e.g. http://auth:3001/api/v1/auth/oauth/token.",
      );
    }
    this.path = url.pathname + url.search;
    this.clientId = opts.clientId;
    this.authorization = `Basic ${Buffer.from(`${formEncode(opts.clientId)}:${formEncode(opts.clientSecret)}`).toString('base64')}`;
    this.renewAfter = opts.renewAfter ?? 0.8;
    this.jitter = opts.jitter ?? 0.1;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.http = new ServiceClient({ name: 'auth', baseUrl: url.origin, timeoutMs: opts.timeoutMs });
  }

  /** The tokens for one callee, to hand to its ServiceClient. */
  forAudience(audience: ServiceAudience): BearerTokens {
    return {
      get: () => this.token(audience),
      invalidate: (token) => this.invalidate(audience, token),
    };
  }

  /** A valid token for `audience`, with every scope the client is granted there. */
  async token(audience: string): Promise<string> {
    const cached = this.cache.get(audience);
    const now = this.now();
    if (cached && now < cached.renewAt) return cached.token;
    if (cached && now < cached.usableUntil) {
      // Renewed in the background; a failure here is met again by the first request that must wait.
      this.renew(audience).catch(() => undefined);
      return cached.token;
    }
    return (await this.renew(audience)).token;
  }

  invalidate(audience: string, token: string): void {
    if (this.cache.get(audience)?.token === token) this.cache.delete(audience);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private renew(audience: string): Promise<CachedToken> {
    let pending = this.inFlight.get(audience);
    if (!pending) {
      pending = this.fetchToken(audience).finally(() => this.inFlight.delete(audience));
      this.inFlight.set(audience, pending);
    }
    return pending;
  }

  private async fetchToken(audience: string): Promise<CachedToken> {
    const sentAt = this.now();
    let res;
    try {
      res = await this.http.request({
        method: 'POST',
        path: this.path,
        headers: { authorization: this.authorization },
        body: { grant_type: 'client_credentials', audience },
        safeToRepeat: true,
      });
    } catch (error) {
      throw PlatformErrors.upstreamUnavailable(
        `No service token for the ${audience} service: the auth service cannot issue one now (${(error as Error).message}); try again shortly.`,
        { cause: error, headers: { 'retry-after': '1' } },
      );
    }
    if (res.status !== 200 || !TokenAnswer.Check(res.body))
      throw this.refused(audience, res.status, res.body);
    const lifetimeMs = res.body.expires_in * 1000;
    const entry = {
      token: res.body.access_token,
      renewAt: sentAt + lifetimeMs * (this.renewAfter - this.jitter * this.random()),
      // Aged from when the request left, and a margin off the end for the trip and the clocks' skew.
      usableUntil: sentAt + lifetimeMs - Math.min(5_000, lifetimeMs / 10),
    };
    this.cache.set(audience, entry);
    return entry;
  }

  private refused(audience: string, status: number, body: unknown): AppError {
    const reason = OAuthError.Check(body)
      ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}`
      : `an answer that is not a token response`;
    const hint =
      status === 401 || status === 400
        ? `check SERVICE_CLIENT_ID (${this.clientId}) and SERVICE_CLIENT_SECRET against the auth service's SERVICE_CLIENTS, and that the client is granted the ${audience} audience`
        : 'try again shortly';
    return PlatformErrors.upstreamUnavailable(
      `The auth service refused a service token for the ${audience} service (${status}, ${reason}); ${hint}.`,
      { headers: { 'retry-after': '1' }, extensions: { upstreamStatus: status } },
    );
  }
}
