import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './app-error.ts';
import type { Problem } from './problem.schemas.ts';

const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
// One bad request must not turn into a body of megabytes: 740 KiB of unknown keys used to make 70,000 errors,
// a 4.5 MB problem and most of the event loop time it cost.
const MAX_LISTED_ERRORS = 10;

// Fastify's own 4xx errors get stable codes of ours, so clients never depend on framework internals.
const fastifyCodes: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'PLATFORM_ERR_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'PLATFORM_ERR_MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PLATFORM_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'PLATFORM_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'PLATFORM_ERR_BAD_REQUEST',
};

function problem(request: FastifyRequest, status: number, code: string, detail: string): Problem {
  return {
    type: `urn:shop:problem:${code.toLowerCase()}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: request.url,
    code,
    requestId: String(request.id),
  };
}

function toProblem(error: FastifyError | AppError | Error, request: FastifyRequest): Problem {
  if (error instanceof AppError) {
    // Extensions add members; they never overwrite the standard ones clients rely on.
    return { ...error.extensions, ...problem(request, error.status, error.code, error.message) };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const found = fastifyError.validation.length;
    const detail =
      found > MAX_LISTED_ERRORS
        ? `The request does not match the schema (the first ${MAX_LISTED_ERRORS} of ${found} errors are listed).`
        : 'The request does not match the schema.';
    return {
      ...problem(request, 400, 'PLATFORM_ERR_VALIDATION', detail),
      errors: fastifyError.validation.slice(0, MAX_LISTED_ERRORS).map((v) => {
        const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
        const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
        // A missing property is reported on its parent object, so it is appended to the parent's path.
        const field = [fastifyError.validationContext, path, missing].filter(Boolean).join('.');
        return { field, message: v.message ?? 'is invalid' };
      }),
    };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code =
      fastifyCodes[fastifyError.code] ??
      (status === 429 ? 'PLATFORM_ERR_RATE_LIMITED' : 'PLATFORM_ERR_BAD_REQUEST');
    return problem(request, status, code, fastifyError.message);
  }
  return problem(
    request,
    500,
    'PLATFORM_ERR_INTERNAL',
    'An unexpected error occurred; it has been logged. Quote the requestId when reporting it.',
  );
}

// nosniff again: errors raised before the onRequest hooks ran (a malformed URL) must carry it too.
function problemReply(reply: FastifyReply, body: Problem): FastifyReply {
  return reply
    .code(body.status)
    .header('x-content-type-options', 'nosniff')
    .type(PROBLEM_CONTENT_TYPE)
    .send(body);
}

/**
 * Fastify's `frameworkErrors` option: errors found before routing (a malformed URL, an overlong path
 * parameter) get a problem document and the request id too, instead of Fastify's own JSON.
 */
export function frameworkErrorResponse(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  request.log.info({ code: error.code, status: error.statusCode }, 'request refused');
  void problemReply(reply.header('x-request-id', request.id), toProblem(error, request));
}

/** Renders every error as RFC 9457 problem+json; unknown errors are logged and their details hidden. */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
      const body = toProblem(error, request);
      if (body.status >= 500) {
        request.log.error({ err: error, route: request.routeOptions.url }, 'request failed unexpectedly');
      } else {
        request.log.info({ code: body.code, status: body.status }, 'request refused');
      }
      if (error instanceof AppError) reply.headers(error.headers);
      return problemReply(reply, body);
    });

    app.setNotFoundHandler((request, reply) => {
      const body = problem(
        request,
        404,
        'PLATFORM_ERR_NOT_FOUND',
        `No route for ${request.method} ${request.url}.`,
      );
      return problemReply(reply, body);
    });
  },
  { name: 'platform-errors' },
);
