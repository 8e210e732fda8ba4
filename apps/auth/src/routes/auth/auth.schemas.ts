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

/** Where a browser page wants its refresh token: see REFRESH_COOKIE in ./index.ts. */
export const RefreshTokenDelivery = Type.Union([Type.Literal('body'), Type.Literal('cookie')], {
  description:
    '"body" (the default): the refresh token is in the answer. "cookie": it is set as the httpOnly, Secure, ' +
    'SameSite=Strict cookie shop_refresh (Path=/api/v1/auth) and left out of the answer, so no script on ' +
    'the page can read it; refresh and logout then read it from the cookie.',
});
export type RefreshTokenDelivery = Static<typeof RefreshTokenDelivery>;

export const RegisterBody = Type.Object(
  {
    email: Email,
    // The policy (length, not the email) is checked in the domain so it can explain itself.
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    name: StoredText({ minLength: 1, maxLength: 100, nonBlank: true }),
    refreshTokenDelivery: Type.Optional(RefreshTokenDelivery),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  {
    // Looked up as typed (after normalising), so it must be text PostgreSQL can compare.
    email: StoredText({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    refreshTokenDelivery: Type.Optional(RefreshTokenDelivery),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const RefreshBody = Type.Object(
  {
    refreshToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description: 'Required unless the shop_refresh cookie carries it (refreshTokenDelivery "cookie")',
      }),
    ),
    refreshTokenDelivery: Type.Optional(RefreshTokenDelivery),
  },
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
  refreshToken: Type.Optional(
    Type.String({
      description:
        'Opaque; single use, rotated by POST /api/v1/auth/refresh. Absent when it was delivered as the ' +
        'shop_refresh cookie (refreshTokenDelivery "cookie")',
    }),
  ),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Access token lifetime in seconds' }),
});

// Drift between the domain type and the schema that renders it fails the typecheck.
export type _UserViewMatches = Assert<Equals<AsJson<User>, Static<typeof UserView>>>;
