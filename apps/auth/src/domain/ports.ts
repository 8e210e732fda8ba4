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

export type RefreshOutcome =
  | { kind: 'rotated'; userId: string; familyId: string }
  | { kind: 'reused'; familyId: string }
  | { kind: 'invalid' };

export interface RefreshTokenRepository {
  create(token: {
    id: string;
    familyId: string;
    userId: string;
    tokenHash: string;
    expiresAt: Date;
  }): Promise<void>;
  /** Marks the token used if it is live, atomically; tells whether it was live, already used, or invalid. */
  consume(tokenHash: string, now: Date): Promise<RefreshOutcome>;
  revokeFamily(familyId: string, now: Date): Promise<number>;
  findFamily(tokenHash: string): Promise<string | null>;
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
  newId(): string;
  now(): Date;
}
