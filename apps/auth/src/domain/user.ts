import type { Role } from '@shop/contracts';

export type { Role };

export interface User {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  createdAt: Date;
}

export interface UserWithPassword extends User {
  passwordHash: string;
}

/** Emails compare after trimming, Unicode NFKC normalisation and lower-casing. */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}
