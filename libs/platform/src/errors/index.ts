// `@shop/platform/errors`: the error catalog helpers alone. They import only typebox, so a service's
// domain can declare and throw its errors without loading Fastify, pino and undici through the barrel.
export { AppError, defineError, PlatformErrors } from './app-error.ts';
export { problemResponses, ProblemSchema, type Problem } from './problem.schemas.ts';
