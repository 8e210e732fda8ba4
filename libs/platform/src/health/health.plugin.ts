import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export type ReadinessCheck = () => Promise<unknown>;
type State = 'starting' | 'ready' | 'draining';

/** What a service uses to join readiness: add a check per dependency; shutdown marks it draining. */
export interface Readiness {
  addCheck(name: string, check: ReadinessCheck): void;
  setDraining(): void;
  readonly state: State;
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: Readiness;
  }
}

export interface HealthOptions {
  /** A readiness check that has not answered within this long counts as down (default 2 s). */
  checkTimeoutMs?: number;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(reject, timeoutMs, new Error('timeout'));
      }),
    ]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /health` answers while the process can serve at all (liveness); `GET /ready` answers 200 only
 * when every dependency check passes and the service is neither starting nor draining.
 */
export const healthPlugin = fp(
  async (app: FastifyInstance, opts: HealthOptions) => {
    const checkTimeoutMs = opts.checkTimeoutMs ?? 2_000;
    const checks = new Map<string, ReadinessCheck>();
    let state: State = 'starting';

    app.decorate('readiness', {
      addCheck: (name: string, check: ReadinessCheck) => void checks.set(name, check),
      setDraining: () => void (state = 'draining'),
      get state() {
        return state;
      },
    });
    app.addHook('onReady', async () => {
      state = 'ready';
    });

    app.get('/health', { schema: { hide: true }, logLevel: 'warn' }, async () => ({ status: 'ok' }));

    app.get('/ready', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) => {
      const names = [...checks.keys()];
      const results = await Promise.all([...checks.values()].map((check) => runCheck(check, checkTimeoutMs)));
      const report = Object.fromEntries(names.map((n, i) => [n, results[i]]));
      const ready = state === 'ready' && results.every((r) => r === 'up');
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : state === 'ready' ? 'degraded' : state, checks: report });
    });
  },
  { name: 'platform-health' },
);
