import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { SigningKeyRing } from '../../security/signing-key-ring.ts';

const Jwks = Type.Object({
  keys: Type.Array(
    Type.Object({
      kty: Type.String(),
      crv: Type.String(),
      x: Type.String(),
      kid: Type.String(),
      alg: Type.String(),
      use: Type.String(),
    }),
  ),
});

export const jwksRoutes: FastifyPluginAsyncTypebox<{ keyRing: SigningKeyRing }> = async (
  app,
  { keyRing },
) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['auth'],
        summary: 'Public keys that verify access tokens (current and previous)',
        response: { 200: Jwks },
      },
    },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(keyRing.jwks()),
  );
};
