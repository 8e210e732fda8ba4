import Type, { type Static } from 'typebox';

/** The roles a user can hold; access tokens carry them in the `roles` claim. */
export const RoleSchema = Type.Union([Type.Literal('customer'), Type.Literal('admin')]);
export type Role = Static<typeof RoleSchema>;

/** Every role of RoleSchema, for checks that take a plain list. */
export const ROLES: readonly Role[] = RoleSchema.anyOf.map((literal) => literal.const);

/** The `typ` header of an access token (RFC 9068), so no other JWT of the issuer passes for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** The only signature algorithm access tokens are signed with, and the only one verifiers accept. */
export const ACCESS_TOKEN_ALGORITHMS: readonly string[] = ['EdDSA'];

/** The claims of an access token as the auth service issues it and every other service reads it. */
export const AccessTokenClaimsSchema = Type.Object({
  iss: Type.String({ minLength: 1 }),
  aud: Type.String({ minLength: 1 }),
  /** The user id. */
  sub: Type.String({ minLength: 1 }),
  roles: Type.Array(RoleSchema),
  /** Unique per token, so a token can be told apart (and logged) without its value. */
  jti: Type.String({ minLength: 1 }),
  iat: Type.Integer(),
  exp: Type.Integer(),
});
export type AccessTokenClaims = Static<typeof AccessTokenClaimsSchema>;
