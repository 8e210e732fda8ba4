import formBody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, problemResponses } from '@shop/platform';
import type { FastifyError } from 'fastify';
import { OAuthErrors } from '../../domain/oauth.errors.ts';
import type { AuthDeps } from '../../domain/ports.ts';
import { issueServiceToken } from '../../domain/service-clients.ts';
import { TOKEN_BODY_LIMIT_BYTES, TokenRequestBody, TokenResponse } from './oauth.schemas.ts';

// RFC 6749 §2.3.1: the id and secret are form-urlencoded before they are joined with ':' and base64-encoded.
const formDecode = (value: string) => decodeURIComponent(value.replaceAll('+', ' '));

/**
 * The client's credentials, from HTTP Basic or from the body; null when none could be read (answered
 * invalid_client once the request itself is known to be well formed). Both at once is refused (§2.3).
 */
function clientCredentials(
  header: string | undefined,
  body: TokenRequestBody,
): { id: string; secret: string } | null {
  const { client_id: bodyId, client_secret: bodySecret } = body;
  if (header !== undefined) {
    if (bodyId !== undefined || bodySecret !== undefined) {
      throw OAuthErrors.invalidRequest(
        'Authenticate the client one way only: HTTP Basic or client_id and client_secret in the body.',
      );
    }
    const [scheme, encoded] = header.split(' ');
    const decoded =
      scheme?.toLowerCase() === 'basic' && encoded ? Buffer.from(encoded, 'base64').toString() : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) return null;
    try {
      const credentials = {
        id: formDecode(decoded.slice(0, colon)),
        secret: formDecode(decoded.slice(colon + 1)),
      };
      // The same bounds as in the body: an id of kilobytes would only become a throttle key of kilobytes.
      return credentials.id.length <= 64 && credentials.secret.length <= 256 ? credentials : null;
    } catch {
      return null; // a malformed percent-encoding is as good as no credentials
    }
  }
  return bodyId && bodySecret !== undefined ? { id: bodyId, secret: bodySecret } : null;
}

// Errors before the handler (a body that fails the schema, bad JSON, a wrong content type) still carry an
// RFC 6749 `error`; the platform's handler (the parent one, reached by throwing) renders every error.
function asOAuthError(error: FastifyError | AppError): Error {
  if (error instanceof AppError) return error;
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return error;
  const first = error.validation?.[0];
  const detail = first
    ? `The token request does not match the schema: ${error.validationContext ?? 'body'}${first.instancePath.replaceAll('/', '.')} ${first.message ?? 'is invalid'}.`
    : error.message;
  // The status stays (413 too large, 415 wrong media type); the RFC's error names what it means.
  return new AppError('AUTH_ERR_OAUTH_INVALID_REQUEST', status, detail, {
    cause: error,
    extensions: { error: 'invalid_request', error_description: detail },
  });
}

/** The OAuth 2.0 token endpoint: the client-credentials grant, for the services' calls to each other. */
export const oauthRoutes: FastifyPluginAsyncTypebox<{ deps: AuthDeps }> = async (app, { deps }) => {
  // Form bodies here only: the other auth routes stay JSON.
  await app.register(formBody, { bodyLimit: TOKEN_BODY_LIMIT_BYTES });
  app.setErrorHandler((error: FastifyError | AppError) => {
    throw asOAuthError(error);
  });

  app.post(
    '/token',
    {
      bodyLimit: TOKEN_BODY_LIMIT_BYTES,
      schema: {
        tags: ['oauth'],
        summary: 'A service token for another service (OAuth 2.0 client credentials, RFC 6749 section 4.4)',
        description:
          'Client authentication by HTTP Basic or client_id/client_secret in the body. Errors are ' +
          'problem+json with the RFC 6749 `error` and `error_description` members.',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        security: [{ clientBasic: [] }],
        body: TokenRequestBody,
        response: { 200: TokenResponse, ...problemResponses(400, 401, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const issued = await issueServiceToken(deps, {
        grantType: request.body.grant_type,
        client: clientCredentials(request.headers.authorization, request.body),
        audience: request.body.audience,
        scope: request.body.scope,
        ip: request.ip,
      });
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return {
        access_token: issued.accessToken,
        token_type: 'Bearer' as const,
        expires_in: issued.expiresIn,
        scope: issued.scope,
      };
    },
  );
};
