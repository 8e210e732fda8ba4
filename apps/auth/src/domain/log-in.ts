import { AuthErrors } from './auth.errors.ts';
import type { AuthDeps } from './ports.ts';
import { startSession, type Session } from './sessions.ts';
import { normalizeEmail } from './user.ts';

/**
 * Unknown email and wrong password give the same answer after the same work (a dummy argon2
 * verification), so the response tells nothing about which accounts exist.
 */
export async function logIn(
  deps: AuthDeps,
  input: { email: string; password: string; ip: string },
): Promise<Session> {
  const email = normalizeEmail(input.email);
  await deps.throttle.assertAllowed(email, input.ip);

  const user = await deps.users.findByEmail(email);
  const valid = user
    ? await deps.passwords.verify(user.passwordHash, input.password)
    : await deps.passwords.verifyDummy(input.password).then(() => false);
  if (!user || !valid) {
    await deps.throttle.recordFailure(email, input.ip);
    throw AuthErrors.invalidCredentials();
  }

  await deps.throttle.recordSuccess(email, input.ip);
  const { passwordHash: _hash, ...profile } = user;
  return startSession(deps, profile);
}
