import { assertPasswordAcceptable } from './password-policy.ts';
import type { AuthDeps } from './ports.ts';
import { startSession, type Session } from './sessions.ts';
import { normalizeEmail, type Role } from './user.ts';

export interface Registration {
  email: string;
  password: string;
  name: string;
}

/** Counted against the sign-up limits before anything costly; the hash waits for a free hasher slot. */
export async function registerUser(
  deps: AuthDeps,
  input: Registration & { ip: string },
  roles: Role[] = ['customer'],
): Promise<Session> {
  await deps.registrationThrottle.consumeAttempt(input.ip);
  const email = normalizeEmail(input.email);
  assertPasswordAcceptable(input.password, email, deps.breachedPasswords);
  const passwordHash = await deps.passwords.hash(input.password);
  const user = await deps.users.create({
    id: deps.newId(),
    email,
    name: input.name.trim(),
    passwordHash,
    roles,
  });
  return startSession(deps, user);
}
