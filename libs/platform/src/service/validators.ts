import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

const buildFromPool = AjvCompiler();
// The Ajv (not JTD) form of the compiler's options, whose Ajv is not the workspace's own (ESLint's v6).
type CompilerOptions = Extract<NonNullable<Parameters<typeof buildFromPool>[1]>, { mode?: never }>;

/**
 * Fastify validates every part of a request with one Ajv, and `coerceTypes` there also rewrites JSON
 * bodies: `{ "v": 42 }` against a string-or-number union becomes `"42"`. Query strings, params and headers
 * arrive as text and need the coercion; a JSON body already says its types, so it is checked exactly.
 */
export const bodiesValidatedExactly: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator(externalSchemas, ajvOptions) {
      const { customOptions = {}, plugins = [] } = (ajvOptions ?? {}) as CompilerOptions;
      const coercing = buildFromPool(externalSchemas, { customOptions, plugins });
      const exact = buildFromPool(externalSchemas, {
        customOptions: { ...customOptions, coerceTypes: false },
        plugins,
      });
      return (route) => (route.httpPart === 'body' ? exact : coercing)(route);
    },
  },
};
