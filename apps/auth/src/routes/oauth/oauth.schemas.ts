import { STORABLE_TEXT_PATTERN } from '@shop/platform';
import { Type, type Static } from 'typebox';

// A token request is a few short parameters; anything bigger is refused before it is parsed.
export const TOKEN_BODY_LIMIT_BYTES = 4 * 1024;

const Param = (maxLength: number, description: string) =>
  Type.String({ maxLength, pattern: STORABLE_TEXT_PATTERN, description });

/**
 * RFC 6749 §4.4.2, form-urlencoded or JSON. Unknown parameters are ignored, as §3.2 requires. The client
 * authenticates with HTTP Basic (client_secret_basic) or with client_id and client_secret here
 * (client_secret_post), never both.
 */
export const TokenRequestBody = Type.Object(
  {
    grant_type: Param(64, 'client_credentials'),
    audience: Type.Optional(Param(64, 'The service the token is for, e.g. product')),
    scope: Type.Optional(Param(1024, 'Space-separated; unset: every scope granted for the audience')),
    client_id: Type.Optional(Param(64, 'client_secret_post only')),
    client_secret: Type.Optional(Param(256, 'client_secret_post only')),
  },
  { additionalProperties: true },
);
export type TokenRequestBody = Static<typeof TokenRequestBody>;

/** RFC 6749 §5.1. */
export const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ minimum: 1 }),
  scope: Type.String(),
});
