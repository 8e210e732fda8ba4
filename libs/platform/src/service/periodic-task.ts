import type { FastifyInstance } from 'fastify';

export interface PeriodicTaskOptions {
  /** What the task does, for its log lines (e.g. "releasing expired reservations"). */
  name: string;
  intervalMs: number;
  /** One round; it returns how much it did, and rounds repeat at once while they do something. */
  round(): Promise<number>;
  /** Logged at info level when a round did something. */
  didWork?: (count: number) => string;
}

/**
 * Runs a sweep every `intervalMs` on this replica, one round at a time (a slow round is never overlapped
 * by the next), draining a backlog in one go, and stops with the app: onClose waits for the round in hand.
 * A failing round is logged and retried at the next interval.
 */
export function registerPeriodicTask(app: FastifyInstance, options: PeriodicTaskOptions): void {
  let running: Promise<void> | undefined;
  let closing = false;
  const sweep = async () => {
    try {
      for (let done = -1; done !== 0 && !closing;) {
        done = await options.round();
        if (done > 0 && options.didWork) app.log.info({ count: done }, options.didWork(done));
      }
    } catch (err) {
      app.log.error({ err }, `${options.name} failed; retrying at the next sweep`);
    }
  };
  const timer = setInterval(() => {
    running ??= sweep().finally(() => {
      running = undefined;
    });
  }, options.intervalMs);
  timer.unref();
  app.addHook('onClose', async () => {
    closing = true;
    clearInterval(timer);
    await running;
  });
}
