import { AuthErrors } from './auth.errors.ts';
import type { BreachedPasswords } from './ports.ts';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * NIST SP 800-63B style: long enough, bounded, not the account's own email or its local part, and not in
 * a list of breached passwords.
 */
export function assertPasswordAcceptable(
  password: string,
  normalizedEmail: string,
  breached: BreachedPasswords,
): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw AuthErrors.weakPassword(`The password must be at least ${PASSWORD_MIN_LENGTH} characters long.`);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw AuthErrors.weakPassword(`The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`);
  }
  const lowered = password.normalize('NFKC').trim().toLowerCase();
  const localPart = normalizedEmail.split('@')[0];
  if (lowered === normalizedEmail || lowered === localPart) {
    throw AuthErrors.weakPassword('The password must not be your email address.');
  }
  if (breached.includes(password)) throw AuthErrors.breachedPassword();
}
