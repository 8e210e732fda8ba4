import type { AuthDeps } from './ports.ts';

/**
 * Revokes the refresh token's whole family, after any rotation in flight (whose new token it then revokes
 * too). Unknown tokens are ignored so logout is idempotent.
 */
export async function logOut(deps: AuthDeps, refreshToken: string): Promise<void> {
  const now = deps.now();
  await deps.refreshTokens.withFamilyOf(deps.opaqueTokens.hash(refreshToken), async (family) => {
    if (!family.revokedAt) await family.revoke(now);
  });
}
