import type { Static, TSchema } from 'typebox';
import type { Validator } from 'typebox/compile';
import type { ServiceResponse } from './service-client.ts';

/**
 * The body of an upstream's answer, checked against the schema the caller reads it with. An answer the
 * contract does not allow is a deployment mismatch, not bad input: a plain Error naming the first bad field.
 */
export function expectAnswer<S extends TSchema>(
  validator: Validator<Record<never, never>, S>,
  res: ServiceResponse,
  what: { upstream: string; call: string },
): Static<S> {
  if (validator.Check(res.body)) return res.body as Static<S>;
  const [first] = validator.Errors(res.body);
  throw new Error(
    `The ${what.upstream}'s ${what.call} answer (${res.status}) does not match its contract ` +
      `(${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}); deploy matching versions of both services.`,
  );
}
