import { AuthErrors } from './auth.errors.ts';
import type { AuthDeps } from './ports.ts';
import { startSession, type Session } from './sessions.ts';

/** Rotates a refresh token; presenting an already rotated one revokes its whole family (RFC 9700 §4.14). */
export async function refreshSession(deps: AuthDeps, refreshToken: string): Promise<Session> {
  const now = deps.now();
  const outcome = await deps.refreshTokens.consume(deps.opaqueTokens.hash(refreshToken), now);
  if (outcome.kind === 'invalid') throw AuthErrors.invalidRefreshToken();
  if (outcome.kind === 'reused') {
    await deps.refreshTokens.revokeFamily(outcome.familyId, now);
    throw AuthErrors.refreshTokenReused();
  }
  const user = await deps.users.findById(outcome.userId);
  if (!user) throw AuthErrors.invalidRefreshToken();
  return startSession(deps, user, outcome.familyId);
}
