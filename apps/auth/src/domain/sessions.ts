import type { AuthDeps } from './ports.ts';
import type { User } from './user.ts';

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const secondsAfter = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000);

/** A new refresh token (and the row to store it as), live for the configured lifetime. */
export function newRefreshToken(deps: AuthDeps, now: Date) {
  const { token, hash } = deps.opaqueTokens.create();
  return {
    token,
    row: { id: deps.newId(), tokenHash: hash, expiresAt: secondsAfter(now, deps.refreshTokenTtlSeconds) },
  };
}

/** Issues the access token that goes with a refresh token. */
export async function issueSession(deps: AuthDeps, user: User, refreshToken: string): Promise<Session> {
  const { token: accessToken, expiresIn } = await deps.accessTokens.issue(user);
  return { user, accessToken, refreshToken, expiresIn };
}

/** A login: a new refresh-token family, which ends after its absolute lifetime however it is rotated. */
export async function startSession(deps: AuthDeps, user: User): Promise<Session> {
  const now = deps.now();
  const refresh = newRefreshToken(deps, now);
  await deps.refreshTokens.startFamily(
    { id: deps.newId(), userId: user.id, expiresAt: secondsAfter(now, deps.refreshFamilyMaxAgeSeconds) },
    refresh.row,
  );
  return issueSession(deps, user, refresh.token);
}
