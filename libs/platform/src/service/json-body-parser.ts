import type { FastifyInstance } from 'fastify';
import { defineError } from '../errors/app-error.ts';

const notIJson = defineError(
  'PLATFORM_ERR_MALFORMED_JSON',
  400,
  'A string in the body has a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape outside a pair); send well-formed Unicode (I-JSON, RFC 7493).',
);

/** Whether a parsed JSON value holds a string or key that is not well-formed Unicode; iterative, so depth costs no stack. */
function hasLoneSurrogate(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, member] of Object.entries(value)) {
        if (!key.isWellFormed()) return true;
        pending.push(member);
      }
    }
  }
  return false;
}

/**
 * Fastify's JSON parser (prototype-poisoning checks included), refusing bodies with lone surrogates: JSON
 * lets `\uD800` be escaped alone, but no database or Prisma's engine takes such a string, so without this
 * it reaches them and fails as a 500. The body text is UTF-8-decoded already, so only an escape can carry one.
 */
export function refuseLoneSurrogatesInJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => {
    parse(request, body, (error, value) => {
      if (error) return done(error, undefined);
      if (body.includes('\\u') && hasLoneSurrogate(value)) return done(notIJson(), undefined);
      done(null, value);
    });
  });
}
