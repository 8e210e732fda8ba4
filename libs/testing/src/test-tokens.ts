import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

export async function startTestJwks(keys: JWK[]): Promise<TestJwksServer> {
  const state = { keys, fetches: 0 };
  const server = createServer((request, response) => {
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
  close(): Promise<void>;
}

/** Starts a stand-in auth service: point `AUTH_JWKS_URL`, `AUTH_ISSUER` and `AUTH_AUDIENCE` at it. */
export async function startTestAuth(options: { issuer?: string; audience?: string } = {}): Promise<TestAuth> {
  const issuer = options.issuer ?? 'https://auth.test';
  const audience = options.audience ?? 'shop-api-test';
  const key = await createTestSigningKey({ issuer, audience });
  const jwks = await startTestJwks([key.publicJwk]);
  const token = (roles: string[], tokenOptions: TestTokenOptions = {}) =>
    key.sign({ roles }, { subject: randomUUID(), ...tokenOptions });
  return {
    issuer,
    audience,
    jwksUrl: jwks.url,
    key,
    token,
    bearer: async (roles, tokenOptions) => ({
      authorization: `Bearer ${await token(roles, tokenOptions)}`,
    }),
    close: () => jwks.close(),
  };
}
