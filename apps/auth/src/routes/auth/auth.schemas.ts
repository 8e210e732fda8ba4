import { RoleSchema, type AsJson, type Assert, type Equals } from '@shop/contracts';
import { StoredText, Uuid } from '@shop/platform';
import { Type, type Static } from 'typebox';
import type { User } from '../../domain/user.ts';

// Well above what the routes can accept (credentials with a password at the policy's maximum of 256
// characters stay under 6 KiB even with every character JSON-escaped; refresh tokens are 43 characters),
// and bigger bodies are refused before they are parsed.
export const CREDENTIALS_BODY_LIMIT_BYTES = 8 * 1024;
export const REFRESH_BODY_LIMIT_BYTES = 2 * 1024;

const Email = Type.String({ format: 'email', maxLength: 254, examples: ['ada@example.com'] });

export const RegisterBody = Type.Object(
  {
    email: Email,
    // The policy (length, not the email) is checked in the domain so it can explain itself.
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    name: StoredText({ minLength: 1, maxLength: 100, nonBlank: true }),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  {
    // Looked up as typed (after normalising), so it must be text PostgreSQL can compare.
    email: StoredText({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);
export type RefreshBody = Static<typeof RefreshBody>;

export const UserView = Type.Object({
  id: Uuid(),
  email: Type.String(),
  name: Type.String(),
  roles: Type.Array(RoleSchema),
  createdAt: Type.String({ format: 'date-time' }),
});

export const SessionView = Type.Object({
  user: UserView,
  accessToken: Type.String({ description: 'EdDSA-signed JWT; send as "Authorization: Bearer <token>"' }),
  refreshToken: Type.String({ description: 'Opaque; single use, rotated by POST /api/v1/auth/refresh' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Access token lifetime in seconds' }),
});

// Drift between the domain type and the schema that renders it fails the typecheck.
export type _UserViewMatches = Assert<Equals<AsJson<User>, Static<typeof UserView>>>;
