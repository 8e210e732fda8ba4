import { problemResponses } from '@shop/platform';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
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
  RegisterBody,
  SessionView,
  UserView,
} from './auth.schemas.ts';

const userView = (user: User) => ({ ...user, createdAt: user.createdAt.toISOString() });
// Tokens must not be kept by any cache on the way (RFC 6749 §5.1; Pragma for HTTP/1.0 caches).
const sessionResponse = (reply: FastifyReply, session: Session) => {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  return { ...session, user: userView(session.user), tokenType: 'Bearer' as const };
};

export const authRoutes: FastifyPluginAsyncTypebox<{ deps: AuthDeps }> = async (app, { deps }) => {
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
        .send(sessionResponse(reply, await registerUser(deps, { ...request.body, ip: request.ip }))),
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
    async (request, reply) => sessionResponse(reply, await logIn(deps, { ...request.body, ip: request.ip })),
  );

  app.post(
    '/refresh',
    {
      bodyLimit: REFRESH_BODY_LIMIT_BYTES,
      schema: {
        tags: ['auth'],
        summary: 'Rotate a refresh token into a new session; reusing a rotated token revokes its family',
        body: RefreshBody,
        response: { 200: SessionView, ...problemResponses(400, 401, 413, 415) },
      },
    },
    async (request, reply) => sessionResponse(reply, await refreshSession(deps, request.body.refreshToken)),
  );

  app.post(
    '/logout',
    {
      bodyLimit: REFRESH_BODY_LIMIT_BYTES,
      schema: {
        tags: ['auth'],
        summary: 'Revoke the refresh token and every token rotated from the same login',
        body: RefreshBody,
        response: { 204: Type.Null(), ...problemResponses(400, 413, 415) },
      },
    },
    async (request, reply) => {
      await logOut(deps, request.body.refreshToken);
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
