import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICE_CALLS, SERVICE_SUBJECT_PREFIX } from '@shop/contracts';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** How a test token differs from a valid access token; every member has a valid default. */
export interface TestTokenOptions {
  subject?: string;
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch, or a jose time span such as `'10m'` (default `'10m'`). */
  expiresIn?: string | number;
  /** The `typ` header (default `at+jwt`, RFC 9068). */
  typ?: string;
  /** `null` leaves the `jti` claim out. */
  jti?: string | null;
}

/** An Ed25519 key as the auth service holds one, and tokens signed with it as it would sign them. */
export interface TestSigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public half as the JWKS serves it (`kid`, `alg`, `use`). */
  publicJwk: JWK;
  /** The private half with its `kid`, as `AUTH_SIGNING_KEYS` takes it. */
  privateJwk: JWK;
  /** Signs `claims` (the subject defaults to `claims.sub`, then `user-1`). */
  sign(claims?: Record<string, unknown>, options?: TestTokenOptions): Promise<string>;
}

/** Creates a signing key for tokens with `issuer` and `audience` unless a token says otherwise. */
export async function createTestSigningKey(defaults: {
  issuer: string;
  audience: string;
  kid?: string;
}): Promise<TestSigningKey> {
  const kid = defaults.kid ?? `test-${randomUUID()}`;
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const sign = (claims: Record<string, unknown> = {}, options: TestTokenOptions = {}) => {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: options.typ ?? 'at+jwt' })
      .setIssuer(options.issuer ?? defaults.issuer)
      .setAudience(options.audience ?? defaults.audience)
      .setSubject(options.subject ?? String(claims['sub'] ?? 'user-1'))
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m');
    if (options.jti !== null) jwt.setJti(options.jti ?? randomUUID());
    return jwt.sign(privateKey);
  };
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' },
    privateJwk: { ...(await exportJWK(privateKey)), kid },
    sign,
  };
}

/** A JWKS endpoint on 127.0.0.1 whose keys a test can change, counting how often it is fetched. */
export interface TestJwksServer {
  url: string;
  readonly fetches: number;
  serve(keys: JWK[]): void;
  close(): Promise<void>;
}

/** Answers a request the JWKS server does not; true when it did. */
type ExtraRoute = (request: IncomingMessage, response: ServerResponse) => boolean;

export async function startTestJwks(keys: JWK[], extra?: ExtraRoute): Promise<TestJwksServer> {
  const state = { keys, fetches: 0 };
  const server = createServer((request, response) => {
    if (extra?.(request, response)) return;
    state.fetches += 1;
    if (request.url !== '/.well-known/jwks.json') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return state.fetches;
    },
    serve(next) {
      state.keys = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The auth service as another service sees it: a JWKS endpoint, and access tokens signed by its key. */
export interface TestAuth {
  issuer: string;
  audience: string;
  jwksUrl: string;
  key: TestSigningKey;
  /** An access token for a caller with `roles` (a fresh subject unless given). */
  token(roles: string[], options?: TestTokenOptions): Promise<string>;
  /** `{ authorization: 'Bearer ...' }` for a caller with `roles`. */
  bearer(roles: string[], options?: TestTokenOptions): Promise<{ authorization: string }>;
  /**
   * A service token as auth issues it to `clientId` for `audience`: by default with the scopes SERVICE_CALLS
   * grants the client there (`options.audience` is ignored: the audience is the callee).
   */
  serviceToken(
    clientId: string,
    audience: string,
    scopes?: readonly string[],
    options?: TestTokenOptions,
  ): Promise<string>;
  serviceBearer(
    clientId: string,
    audience: string,
    scopes?: readonly string[],
  ): Promise<{ authorization: string }>;
  /** The stand-in's token endpoint (client credentials, HTTP Basic or body): AUTH_TOKEN_URL. */
  tokenUrl: string;
  /** A calling service's env for this stand-in: SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET and AUTH_TOKEN_URL. */
  serviceClientEnv(
    clientId: string,
  ): Record<'SERVICE_CLIENT_ID' | 'SERVICE_CLIENT_SECRET' | 'AUTH_TOKEN_URL', string>;
  /** Tokens the token endpoint issued so far. */
  readonly tokensIssued: number;
  close(): Promise<void>;
}

/** The secret the stand-in's token endpoint accepts for a client (at least 32 characters, as services require). */
export const testClientSecret = (clientId: string) => `test-client-secret-of-${clientId}-0123456789`;

const grantsOf = (clientId: string, audience: string): readonly string[] =>
  (SERVICE_CALLS as Record<string, Record<string, readonly string[]> | undefined>)[clientId]?.[audience] ??
  [];

/** The client id of a token request whose Basic credentials or body carry the stand-in's secret for it. */
function authenticatedClient(request: IncomingMessage, fields: Record<string, unknown>): string | undefined {
  const [scheme, encoded] = (request.headers.authorization ?? '').split(' ');
  const [id, secret] =
    scheme?.toLowerCase() === 'basic' && encoded
      ? Buffer.from(encoded, 'base64')
          .toString()
          .split(':')
          .map((part) => decodeURIComponent(part.replaceAll('+', ' ')))
      : [fields['client_id'], fields['client_secret']];
  return typeof id === 'string' && secret === testClientSecret(id) ? id : undefined;
}

/** Starts a stand-in auth service: point `AUTH_JWKS_URL`, `AUTH_ISSUER` and `AUTH_AUDIENCE` at it. */
export async function startTestAuth(options: { issuer?: string; audience?: string } = {}): Promise<TestAuth> {
  const issuer = options.issuer ?? 'https://auth.test';
  const audience = options.audience ?? 'shop-api-test';
  const key = await createTestSigningKey({ issuer, audience });
  const token = (roles: string[], tokenOptions: TestTokenOptions = {}) =>
    key.sign({ roles }, { subject: randomUUID(), ...tokenOptions });
  const serviceToken = (
    clientId: string,
    callee: string,
    scopes: readonly string[] = grantsOf(clientId, callee),
    tokenOptions: TestTokenOptions = {},
  ) =>
    key.sign(
      { client_id: clientId, scope: scopes.join(' ') },
      { subject: `${SERVICE_SUBJECT_PREFIX}${clientId}`, expiresIn: '5m', ...tokenOptions, audience: callee },
    );
  const state = { issued: 0 };
  // The token endpoint as auth runs it, reduced to what callers rely on: client credentials checked, the
  // audience's granted scopes in a five-minute token, RFC 6749 errors otherwise.
  const tokenEndpoint: ExtraRoute = (request, response) => {
    if (request.method !== 'POST' || request.url !== '/api/v1/auth/oauth/token') return false;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const text = Buffer.concat(chunks).toString();
      const refuse = (status: number, error: string) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
      let fields: Record<string, unknown>;
      try {
        fields = String(request.headers['content-type']).includes('json')
          ? (JSON.parse(text || '{}') as Record<string, unknown>)
          : Object.fromEntries(new URLSearchParams(text));
      } catch {
        return refuse(400, 'invalid_request');
      }
      if (fields['grant_type'] !== 'client_credentials') return refuse(400, 'unsupported_grant_type');
      const clientId = authenticatedClient(request, fields);
      if (!clientId) return refuse(401, 'invalid_client');
      const callee = String(fields['audience'] ?? '');
      const granted = grantsOf(clientId, callee);
      if (granted.length === 0) return refuse(400, 'invalid_target');
      state.issued += 1;
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(
        JSON.stringify({
          access_token: await serviceToken(clientId, callee, granted),
          token_type: 'Bearer',
          expires_in: 300,
          scope: granted.join(' '),
        }),
      );
    });
    return true;
  };
  const jwks = await startTestJwks([key.publicJwk], tokenEndpoint);
  const tokenUrl = jwks.url.replace('/.well-known/jwks.json', '/api/v1/auth/oauth/token');
  return {
    issuer,
    audience,
    jwksUrl: jwks.url,
    key,
    token,
    bearer: async (roles, tokenOptions) => ({
      authorization: `Bearer ${await token(roles, tokenOptions)}`,
    }),
    serviceToken,
    serviceBearer: async (clientId, callee, scopes) => ({
      authorization: `Bearer ${await serviceToken(clientId, callee, scopes)}`,
    }),
    tokenUrl,
    serviceClientEnv: (clientId) => ({
      SERVICE_CLIENT_ID: clientId,
      SERVICE_CLIENT_SECRET: testClientSecret(clientId),
      AUTH_TOKEN_URL: tokenUrl,
    }),
    get tokensIssued() {
      return state.issued;
    },
    close: () => jwks.close(),
  };
}
