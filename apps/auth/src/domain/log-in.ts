import { AuthErrors } from './auth.errors.ts';
import type { AuthDeps } from './ports.ts';
import { startSession, type Session } from './sessions.ts';
import { normalizeEmail } from './user.ts';

/**
 * The attempt is counted before the password is checked and given back when it was right. Unknown email
 * and wrong password give the same answer after the same work (a dummy argon2 verification on the current
 * parameters), so the response tells nothing about which accounts exist.
 */
export async function logIn(
  deps: AuthDeps,
  input: { email: string; password: string; ip: string },
): Promise<Session> {
  const email = normalizeEmail(input.email);
  await deps.throttle.consumeAttempt(email, input.ip);

  const user = await deps.users.findByEmail(email);
  const valid = user
    ? await deps.passwords.verify(user.passwordHash, input.password)
    : await deps.passwords.verifyDummy(input.password).then(() => false);
  if (!user || !valid) throw AuthErrors.invalidCredentials();

  await deps.throttle.recordSuccess(email, input.ip);
  // Old hashes move to the current parameters as their owners log in, so old accounts cost what absent
  // ones cost and timing cannot tell them apart.
  if (deps.passwords.needsRehash(user.passwordHash)) {
    await deps.users.updatePasswordHash(user.id, await deps.passwords.hash(input.password));
  }
  const { passwordHash: _hash, ...profile } = user;
  return startSession(deps, profile);
}
