import { randomUUID } from 'node:crypto';
import {
  ACCESS_TOKEN_TYPE,
  SERVICE_SUBJECT_PREFIX,
  type AccessTokenClaims,
  type Role,
  type ServiceTokenClaims,
} from '@shop/contracts';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { AccessTokenIssuer, ServiceTokenIssuer } from '../domain/ports.ts';

const ALG = 'EdDSA';

/** An Ed25519 public key as published in the JWKS. */
export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: string;
  use: string;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: PublicJwk;
}

function publicJwkOf(jwk: JWK, kid: string): PublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string, kid, alg: ALG, use: 'sig' };
}

async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  if (!jwk.kid || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d) {
    throw new Error(
      'AUTH_SIGNING_KEYS must hold private Ed25519 JWKs (kty OKP, crv Ed25519, d) each with a kid.',
    );
  }
  const privateKey = (await importJWK(jwk, ALG)) as CryptoKey;
  return { kid: jwk.kid, privateKey, publicJwk: publicJwkOf(jwk, jwk.kid) };
}

// JSON.parse quotes the start of its input in its message, which here is a private key: say what is wrong
// without it.
function parsePrivateJwks(text: string): JWK[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((jwk) => typeof jwk === 'object' && jwk !== null)) {
    throw new Error(
      'AUTH_SIGNING_KEYS is not a JSON array of private JWKs (its value is a secret, so it is not shown); ' +
        'set it to [{"kty":"OKP","crv":"Ed25519","d":"...","x":"...","kid":"..."}, ...] as the README shows.',
    );
  }
  return parsed as JWK[];
}

async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { crv: 'Ed25519' });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: publicJwkOf(await exportJWK(publicKey), kid) };
}

/**
 * The keys that sign access tokens: the current one signs, the previous one still verifies, so a rotation
 * never invalidates tokens already handed out. Private keys live only in memory (or in a Secret).
 */
export class SigningKeyRing implements AccessTokenIssuer, ServiceTokenIssuer {
  private keys: SigningKey[];
  private localJwks: JWTVerifyGetKey;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly ttlSeconds: number;

  private constructor(keys: SigningKey[], opts: { issuer: string; audience: string; ttlSeconds: number }) {
    this.keys = keys;
    this.localJwks = createLocalJWKSet(this.jwks() as JSONWebKeySet);
    this.issuer = opts.issuer;
    this.audience = opts.audience;
    this.ttlSeconds = opts.ttlSeconds;
  }

  /** Loads keys from a JSON array of private JWKs (current first), or generates one when none is given. */
  static async create(opts: { issuer: string; audience: string; ttlSeconds: number; privateJwks?: string }) {
    const keys = opts.privateJwks
      ? await Promise.all(parsePrivateJwks(opts.privateJwks).map(fromPrivateJwk))
      : [await generateSigningKey()];
    if (keys.length === 0) throw new Error('AUTH_SIGNING_KEYS is empty: give at least the current key.');
    return new SigningKeyRing(keys, opts);
  }

  /** The public keys, current and previous, as served at /.well-known/jwks.json. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /** Key lookup for verifying tokens this service issued (by `kid`). */
  readonly verificationKeys: JWTVerifyGetKey = (header, token) => this.localJwks(header, token);

  /** Makes a new key current and keeps the old current one as the previous, dropping older ones. */
  async rotate(): Promise<void> {
    this.keys = [await generateSigningKey(), ...this.keys.slice(0, 1)];
    this.localJwks = createLocalJWKSet(this.jwks() as JSONWebKeySet);
  }

  async issue(user: { id: string; roles: readonly Role[] }): Promise<{ token: string; expiresIn: number }> {
    const current = this.keys[0] as SigningKey;
    // The other claims of AccessTokenClaims are set by the builder below.
    const claims: Pick<AccessTokenClaims, 'roles'> = { roles: [...user.roles] };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid: current.kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(user.id)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(current.privateKey);
    return { token, expiresIn: this.ttlSeconds };
  }

  /** A service token (RFC 9068 with client credentials): `client_id` and `scope`, no roles. */
  async issueServiceToken(
    grant: { clientId: string; audience: string; scopes: readonly string[] },
    ttlSeconds: number,
  ): Promise<{ token: string; expiresIn: number }> {
    const current = this.keys[0] as SigningKey;
    const claims: Pick<ServiceTokenClaims, 'client_id' | 'scope'> = {
      client_id: grant.clientId,
      scope: grant.scopes.join(' '),
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid: current.kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(this.issuer)
      .setAudience(grant.audience)
      .setSubject(`${SERVICE_SUBJECT_PREFIX}${grant.clientId}`)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(current.privateKey);
    return { token, expiresIn: ttlSeconds };
  }
}
