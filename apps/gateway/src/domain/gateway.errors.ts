import { defineError } from '@shop/platform/errors';

/** What the gateway itself answers; the services' own problems pass through unchanged. */
export const GatewayErrors = {
  rateLimited: defineError(
    'GATEWAY_ERR_RATE_LIMITED',
    429,
    'Too many requests; wait for the seconds in Retry-After, then retry.',
  ),
  overloaded: defineError(
    'GATEWAY_ERR_OVERLOADED',
    503,
    'The gateway is overloaded; retry after the seconds in Retry-After.',
  ),
  upstreamUnavailable: defineError(
    'GATEWAY_ERR_UPSTREAM_UNAVAILABLE',
    503,
    'The service behind this route could not be reached; retry after the seconds in Retry-After.',
  ),
  circuitOpen: defineError(
    'GATEWAY_ERR_CIRCUIT_OPEN',
    503,
    'The service behind this route is failing, so the gateway stopped calling it for a while; retry after the seconds in Retry-After.',
  ),
  upstreamTimeout: defineError(
    'GATEWAY_ERR_UPSTREAM_TIMEOUT',
    504,
    'The service behind this route did not answer in time; retry later (with the same Idempotency-Key for a POST).',
  ),
  malformedJson: defineError(
    'PLATFORM_ERR_MALFORMED_JSON',
    400,
    'The body is not valid JSON; fix its syntax and send it again.',
  ),
};
