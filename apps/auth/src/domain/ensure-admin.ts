import { assertPasswordAcceptable } from './password-policy.ts';
import type { AuthDeps } from './ports.ts';
import { normalizeEmail } from './user.ts';

/** Creates the admin account if it does not exist yet; an existing account is left as it is. */
export async function ensureAdmin(
  deps: AuthDeps,
  input: { email: string; password: string },
): Promise<'created' | 'exists'> {
  const email = normalizeEmail(input.email);
  if (await deps.users.findByEmail(email)) return 'exists';
  assertPasswordAcceptable(input.password, email, deps.breachedPasswords);
  const passwordHash = await deps.passwords.hash(input.password);
  await deps.users.create({
    id: deps.newId(),
    email,
    name: 'Administrator',
    passwordHash,
    roles: ['admin', 'customer'],
  });
  return 'created';
}
