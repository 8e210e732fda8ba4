import { AuthErrors } from './auth.errors.ts';
import type { AuthDeps } from './ports.ts';
import { issueSession, newRefreshToken, type Session } from './sessions.ts';

/**
 * Rotates a refresh token; presenting an already rotated one revokes its whole family (RFC 9700 §4.14).
 * Both happen under the family's lock, so a token is never issued into a family being revoked.
 */
export async function refreshSession(deps: AuthDeps, refreshToken: string): Promise<Session> {
  const now = deps.now();
  const next = newRefreshToken(deps, now);
  const outcome = await deps.refreshTokens.withFamilyOf(
    deps.opaqueTokens.hash(refreshToken),
    async (family) => {
      if (family.revokedAt || family.expiresAt <= now) return { kind: 'invalid' } as const;
      if (family.token.usedAt) {
        await family.revoke(now);
        return { kind: 'reused' } as const;
      }
      if (family.token.expiresAt <= now) return { kind: 'invalid' } as const;
      await family.rotate(next.row, now);
      return { kind: 'rotated', userId: family.userId } as const;
    },
  );
  if (outcome?.kind === 'reused') throw AuthErrors.refreshTokenReused();
  if (outcome?.kind !== 'rotated') throw AuthErrors.invalidRefreshToken();

  const user = await deps.users.findById(outcome.userId);
  if (!user) throw AuthErrors.invalidRefreshToken();
  return issueSession(deps, user, next.token);
}
