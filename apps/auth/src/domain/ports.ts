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
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spends the same time as a real verification, so unknown emails cannot be told apart by timing. */
  verifyDummy(password: string): Promise<void>;
}

export interface AccessTokenIssuer {
  issue(user: Pick<User, 'id' | 'roles'>): Promise<{ token: string; expiresIn: number }>;
}

export interface LoginThrottle {
  /** Throws AuthErrors.tooManyAttempts (with Retry-After) when the account or the address is blocked. */
  assertAllowed(email: string, ip: string): Promise<void>;
  recordFailure(email: string, ip: string): Promise<void>;
  recordSuccess(email: string, ip: string): Promise<void>;
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
  accessTokens: AccessTokenIssuer;
  throttle: LoginThrottle;
  opaqueTokens: OpaqueTokens;
  refreshTokenTtlSeconds: number;
  refreshFamilyMaxAgeSeconds: number;
  newId(): string;
  now(): Date;
}
