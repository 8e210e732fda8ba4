import type { ServiceClient } from './service-clients.ts';
import type { Role, User, UserWithPassword } from './user.ts';

/** What the use cases need from the outside world; data-access/ and security/ implement these. */
export interface UserRepository {
  findByEmail(email: string): Promise<UserWithPassword | null>;
  findById(id: string): Promise<User | null>;
  /** Throws AuthErrors.emailTaken when the email is already registered. */
  create(user: {
    id: string;
    email: string;
    name: string;
    passwordHash: string;
    roles: Role[];
  }): Promise<User>;
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
}

export interface NewRefreshToken {
  id: string;
  tokenHash: string;
  expiresAt: Date;
}

/** A refresh-token family (one login and its rotations) as seen while its row is locked. */
export interface LockedRefreshFamily {
  userId: string;
  /** The family's absolute end, however often its tokens are rotated. */
  expiresAt: Date;
  revokedAt: Date | null;
  /** The token that was presented. */
  token: { usedAt: Date | null; expiresAt: Date };
  /** Marks the presented token used and adds its successor to the family. */
  rotate(next: NewRefreshToken, now: Date): Promise<void>;
  /** Revokes the family and every token in it. */
  revoke(now: Date): Promise<void>;
}

export interface RefreshTokenRepository {
  startFamily(family: { id: string; userId: string; expiresAt: Date }, token: NewRefreshToken): Promise<void>;
  /**
   * Runs `work` in one transaction holding the lock of the presented token's family, so rotations, reuse
   * detection and logout of one family happen one after another. Null when the token is unknown.
   */
  withFamilyOf<T>(tokenHash: string, work: (family: LockedRefreshFamily) => Promise<T>): Promise<T | null>;
}

export interface PasswordHasher {
  /** These three throw AuthErrors.busy (503, Retry-After) when too many wait for the hasher already. */
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spends the same time as a real verification, so unknown emails cannot be told apart by timing. */
  verifyDummy(password: string): Promise<void>;
  /** True when the hash was made with other parameters than the current ones. */
  needsRehash(hash: string): boolean;
}

export interface BreachedPasswords {
  includes(password: string): boolean;
}

export interface AccessTokenIssuer {
  issue(user: Pick<User, 'id' | 'roles'>): Promise<{ token: string; expiresIn: number }>;
}

/** What is stored of one client after a sync. */
export interface DesiredServiceClient {
  id: string;
  secretHashes: readonly string[];
  scopes: Readonly<Record<string, readonly string[]>>;
}

export interface ServiceClientRepository {
  findById(id: string): Promise<ServiceClient | null>;
  /**
   * In one transaction (serialised between replicas): creates or updates each desired client where it
   * differs, re-enabling it, and disables every other; answers which ids changed and which were disabled.
   */
  replaceAll(
    clients: readonly DesiredServiceClient[],
    now: Date,
  ): Promise<{ changed: string[]; disabled: string[] }>;
}

export interface ServiceTokenIssuer {
  issueServiceToken(
    grant: { clientId: string; audience: string; scopes: readonly string[] },
    ttlSeconds: number,
  ): Promise<{ token: string; expiresIn: number }>;
}

export interface LoginThrottle {
  /**
   * Counts the attempt before its password is checked; throws AuthErrors.tooManyAttempts (with
   * Retry-After) when the account, for this client, or the client itself is over its limit.
   */
  consumeAttempt(email: string, ip: string): Promise<void>;
  /** The password was right: the attempt is given back and the account's failures from here forgotten. */
  recordSuccess(email: string, ip: string): Promise<void>;
}

export interface RegistrationThrottle {
  /** Throws AuthErrors.tooManyRegistrations (with Retry-After) when this client or all are over the limit. */
  consumeAttempt(ip: string): Promise<void>;
}

export interface OpaqueTokens {
  /** A new random token and the hash under which it is stored. */
  create(): { token: string; hash: string };
  hash(token: string): string;
}

export interface AuthDeps {
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  passwords: PasswordHasher;
  breachedPasswords: BreachedPasswords;
  accessTokens: AccessTokenIssuer;
  throttle: LoginThrottle;
  registrationThrottle: RegistrationThrottle;
  opaqueTokens: OpaqueTokens;
  serviceClients: ServiceClientRepository;
  serviceTokens: ServiceTokenIssuer;
  /** Failed client authentications at the token endpoint, counted like failed logins (by client id). */
  clientThrottle: LoginThrottle;
  serviceTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  refreshFamilyMaxAgeSeconds: number;
  newId(): string;
  now(): Date;
}
