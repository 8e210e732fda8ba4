import type { AuthDeps } from './ports.ts';
import type { User } from './user.ts';

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Issues an access token and a refresh token; a new login starts a new refresh-token family. */
export async function startSession(
  deps: AuthDeps,
  user: User,
  familyId: string = deps.newId(),
): Promise<Session> {
  const { token: refreshToken, hash } = deps.opaqueTokens.create();
  await deps.refreshTokens.create({
    id: deps.newId(),
    familyId,
    userId: user.id,
    tokenHash: hash,
    expiresAt: new Date(deps.now().getTime() + deps.refreshTokenTtlSeconds * 1000),
  });
  const { token: accessToken, expiresIn } = await deps.accessTokens.issue(user);
  return { user, accessToken, refreshToken, expiresIn };
}
