import type { AuthDeps } from './ports.ts';

/** Revokes the refresh token's whole family. Unknown tokens are ignored so logout is idempotent. */
export async function logOut(deps: AuthDeps, refreshToken: string): Promise<void> {
  const familyId = await deps.refreshTokens.findFamily(deps.opaqueTokens.hash(refreshToken));
  if (familyId) await deps.refreshTokens.revokeFamily(familyId, deps.now());
}
