import { assertPasswordAcceptable } from './password-policy.ts';
import type { AuthDeps } from './ports.ts';
import { normalizeEmail } from './user.ts';

/**
 * Creates the admin account if it does not exist yet; an existing admin is left as it is. An existing
 * account without the admin role is refused, not promoted: anyone may have registered that email.
 */
export async function ensureAdmin(
  deps: AuthDeps,
  input: { email: string; password: string },
): Promise<'created' | 'exists'> {
  const email = normalizeEmail(input.email);
  const existing = await deps.users.findByEmail(email);
  if (existing?.roles.includes('admin')) return 'exists';
  if (existing) {
    throw new Error(
      `The admin email ${email} belongs to an existing account without the admin role, which is not ` +
        'promoted (whoever registered it would become an admin). Set ADMIN_EMAIL to an unused email, or ' +
        `grant the role yourself in the Auth DB (UPDATE users SET roles = '{customer,admin}' WHERE email = ` +
        `'${email}') and start again.`,
    );
  }
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

/** Stops a production start while an account can still be entered with a published password. */
export async function refusePublishedCredentials(
  deps: AuthDeps,
  published: { email: string; password: string },
): Promise<void> {
  const email = normalizeEmail(published.email);
  const user = await deps.users.findByEmail(email);
  if (user && (await deps.passwords.verify(user.passwordHash, published.password))) {
    throw new Error(
      `The account ${email} still has the published development password, so anyone could log in as it. ` +
        `Delete it (DELETE FROM users WHERE email = '${email}') and start again; ADMIN_EMAIL and ` +
        'ADMIN_PASSWORD create a new admin with a password of your own.',
    );
  }
}
