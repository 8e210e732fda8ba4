import { problemResponses } from '@shop/platform';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logIn } from '../../domain/log-in.ts';
import { logOut } from '../../domain/log-out.ts';
import type { AuthDeps } from '../../domain/ports.ts';
import { refreshSession } from '../../domain/refresh-session.ts';
import { registerUser } from '../../domain/register-user.ts';
import { AuthErrors } from '../../domain/auth.errors.ts';
import type { Session } from '../../domain/sessions.ts';
import type { User } from '../../domain/user.ts';
import {
  CREDENTIALS_BODY_LIMIT_BYTES,
  LoginBody,
  REFRESH_BODY_LIMIT_BYTES,
  RefreshBody,
  type RefreshTokenDelivery,
  RegisterBody,
  SessionView,
  UserView,
} from './auth.schemas.ts';

const userView = (user: User) => ({ ...user, createdAt: user.createdAt.toISOString() });

/**
 * The refresh token of a browser page that asked for refreshTokenDelivery "cookie". httpOnly: no script reads
 * it, so an injected one cannot carry the session away. Secure (browsers accept it on http://localhost too).
 * SameSite=Strict: no other site's page makes the browser send it, so a forged cross-site refresh or logout
 * arrives without it; and refresh and logout take only a JSON body, which a cross-site form cannot send
 * without a CORS preflight. Path: only the auth routes ever see it, not every API call.
 */
export const REFRESH_COOKIE = 'shop_refresh';
const REFRESH_COOKIE_PATH = '/api/v1/auth';
const cookieOptions = {
  httpOnly: true,
  secure: true,
  sameSite: 'strict',
  path: REFRESH_COOKIE_PATH,
} as const;

/**
 * The session as the caller asked for it. Tokens must not be kept by any cache on the way (RFC 6749 §5.1;
 * Pragma for HTTP/1.0 caches).
 */
const sessionResponse = (
  reply: FastifyReply,
  session: Session,
  delivery: RefreshTokenDelivery,
  cookieMaxAgeSeconds: number,
) => {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  const view = { ...session, user: userView(session.user), tokenType: 'Bearer' as const };
  if (delivery === 'body') return view;
  reply.setCookie(REFRESH_COOKIE, session.refreshToken, { ...cookieOptions, maxAge: cookieMaxAgeSeconds });
  const { refreshToken: _inTheCookie, ...withoutToken } = view;
  return withoutToken;
};

/** The refresh token of a refresh or logout: the body's, else the cookie's (an empty cookie is none). */
const presentedToken = (body: RefreshBody, cookies: FastifyRequest['cookies']) =>
  body.refreshToken ?? (cookies[REFRESH_COOKIE] || undefined);

export const authRoutes: FastifyPluginAsyncTypebox<{ deps: AuthDeps }> = async (app, { deps }) => {
  // Parses the Cookie header of these routes only; no signing: the token is its own secret.
  await app.register(cookie);
  const answer = (reply: FastifyReply, session: Session, delivery: RefreshTokenDelivery = 'body') =>
    sessionResponse(reply, session, delivery, deps.refreshTokenTtlSeconds);
  app.post(
    '/register',
    {
      bodyLimit: CREDENTIALS_BODY_LIMIT_BYTES,
      schema: {
        tags: ['auth'],
        summary: 'Create a customer account and start a session',
        body: RegisterBody,
        response: { 201: SessionView, ...problemResponses(400, 409, 413, 415, 429, 503) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          answer(
            reply,
            await registerUser(deps, { ...request.body, ip: request.ip }),
            request.body.refreshTokenDelivery,
          ),
        ),
  );

  app.post(
    '/login',
    {
      bodyLimit: CREDENTIALS_BODY_LIMIT_BYTES,
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for an access token and a refresh token',
        body: LoginBody,
        response: { 200: SessionView, ...problemResponses(400, 401, 413, 415, 429, 503) },
      },
    },
    async (request, reply) =>
      answer(
        reply,
        await logIn(deps, { ...request.body, ip: request.ip }),
        request.body.refreshTokenDelivery,
      ),
  );

  app.post(
    '/refresh',
    {
      bodyLimit: REFRESH_BODY_LIMIT_BYTES,
      schema: {
        tags: ['auth'],
        summary:
          "Rotate a refresh token (the body's, else the shop_refresh cookie's) into a new session; reusing a rotated token revokes its family",
        body: RefreshBody,
        response: { 200: SessionView, ...problemResponses(400, 401, 413, 415) },
      },
    },
    async (request, reply) => {
      const token = presentedToken(request.body, request.cookies);
      if (token === undefined) throw AuthErrors.noRefreshToken();
      // A token read from the cookie is rotated into the cookie, unless the body says otherwise.
      const delivery =
        request.body.refreshTokenDelivery ?? (request.body.refreshToken === undefined ? 'cookie' : 'body');
      return answer(reply, await refreshSession(deps, token), delivery);
    },
  );

  app.post(
    '/logout',
    {
      bodyLimit: REFRESH_BODY_LIMIT_BYTES,
      schema: {
        tags: ['auth'],
        summary:
          "Revoke the refresh token (the body's, else the shop_refresh cookie's) and every token rotated from the same login; clears the cookie",
        body: RefreshBody,
        response: { 204: Type.Null(), ...problemResponses(400, 413, 415) },
      },
    },
    async (request, reply) => {
      const token = presentedToken(request.body, request.cookies);
      // Signed out either way: the cookie goes, and a token that is missing has nothing to revoke.
      if (request.cookies[REFRESH_COOKIE] !== undefined) reply.clearCookie(REFRESH_COOKIE, cookieOptions);
      if (token !== undefined) await logOut(deps, token);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'The authenticated caller',
        security: [{ bearerAuth: [] }],
        response: { 200: UserView, ...problemResponses(401, 404) },
      },
    },
    async (request) => {
      const user = await deps.users.findById(request.caller!.id);
      if (!user) throw AuthErrors.userNotFound();
      return userView(user);
    },
  );
};
