import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SandboxErrors } from '../domain/payment-sandbox.errors.ts';

export interface ApiGuardOptions {
  apiKey: string;
  /** Added to every answer of the API (SANDBOX_LATENCY_MS). */
  latencyMs: number;
  /** The fraction of POSTs refused with 503 before any work (SANDBOX_FAILURE_RATE). */
  failureRate: number;
  /** A random number in [0, 1); Math.random unless a test fixes it. */
  random?: () => number;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The API's front door, for the routes registered in the same scope: the fault settings' latency, then the
 * secret API key (hashed on both sides, so the comparison is constant-time whatever was sent), then the
 * injected failures, all before the idempotency key or the database is touched.
 */
export const apiGuardPlugin = fp(
  async (app: FastifyInstance, options: ApiGuardOptions) => {
    const expected = digest(options.apiKey);
    const random = options.random ?? Math.random;
    app.addHook('onRequest', async (request) => {
      if (options.latencyMs > 0) await sleep(options.latencyMs);
      const header = request.headers.authorization;
      const sent = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
      if (sent === undefined || !timingSafeEqual(digest(sent), expected)) {
        throw SandboxErrors.unauthorized(undefined, { headers: { 'www-authenticate': 'Bearer' } });
      }
      if (request.method === 'POST' && options.failureRate > 0 && random() < options.failureRate) {
        throw SandboxErrors.injectedFailure(undefined, { headers: { 'retry-after': '1' } });
      }
    });
  },
  { name: 'payment-sandbox-api-guard' },
);
