import { AppError } from '@shop/platform/errors';

type Options = ConstructorParameters<typeof AppError>[3];

/**
 * The token endpoint's errors: problem+json (RFC 9457) like every other error of the shop, carrying the
 * `error` and `error_description` members RFC 6749 §5.2 requires as extension members, so an OAuth client
 * library reads them as it would from application/json.
 */
function oauthError(code: string, status: number, error: string, defaultMessage: string, headers = {}) {
  return (message = defaultMessage, options: Options = {}) =>
    new AppError(code, status, message, {
      ...options,
      headers: { ...headers, ...options.headers },
      extensions: { ...options.extensions, error, error_description: message },
    });
}

export const OAuthErrors = {
  invalidRequest: oauthError(
    'AUTH_ERR_OAUTH_INVALID_REQUEST',
    400,
    'invalid_request',
    'The token request is malformed; see RFC 6749 section 4.4.2.',
  ),
  // RFC 6749 §5.2: a 401 names the authentication scheme the client may use.
  invalidClient: oauthError(
    'AUTH_ERR_OAUTH_INVALID_CLIENT',
    401,
    'invalid_client',
    'Client authentication failed (unknown or disabled client, or wrong secret); check the client id and secret.',
    { 'www-authenticate': 'Basic realm="shop-auth", charset="UTF-8"' },
  ),
  unsupportedGrantType: oauthError(
    'AUTH_ERR_OAUTH_UNSUPPORTED_GRANT_TYPE',
    400,
    'unsupported_grant_type',
    'Only grant_type=client_credentials is supported here; users log in at /api/v1/auth/login.',
  ),
  invalidScope: oauthError(
    'AUTH_ERR_OAUTH_INVALID_SCOPE',
    400,
    'invalid_scope',
    'The requested scope is not granted to this client for this audience.',
  ),
  // RFC 8707 §2's error for a resource (here: audience) the client may not have a token for.
  invalidTarget: oauthError(
    'AUTH_ERR_OAUTH_INVALID_TARGET',
    400,
    'invalid_target',
    'This client may not call the requested audience.',
  ),
};
