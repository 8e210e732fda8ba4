import closeWithGrace from 'close-with-grace';
import type { Service } from './build-service.ts';

export interface RunSettings {
  host: string;
  port: number;
  /** Readiness reports 503 this long before the server stops accepting. */
  drainDelayMs: number;
  /** Past this the process exits even if something is still closing. */
  shutdownTimeoutMs: number;
  /** Runs after the server has closed (e.g. flushing telemetry). */
  afterClose?: () => Promise<void>;
}

/** The run settings every service reads from the platform part of its config (see `platformEnv`). */
export function runSettingsFrom(config: {
  HOST: string;
  PORT: number;
  SHUTDOWN_DRAIN_DELAY_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
}): RunSettings {
  return {
    host: config.HOST,
    port: config.PORT,
    drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  };
}

/**
 * Listens, and on SIGTERM/SIGINT shuts down gracefully: readiness turns 503, the server stops accepting
 * after the drain delay, in-flight requests finish, plugins close their clients (onClose hooks), then the
 * process exits; a shutdown that overruns its bound exits non-zero.
 */
export async function runService(app: Service, settings: RunSettings): Promise<void> {
  closeWithGrace(
    {
      delay: settings.shutdownTimeoutMs,
      logger: { error: (message: unknown) => app.log.error(message) },
      onTimeout: (timeoutMs) =>
        app.log.error(
          { timeoutMs },
          'shutdown did not finish in time, exiting with code 1: find the onClose hook or consumer that hangs, ' +
            'or raise SHUTDOWN_TIMEOUT_MS',
        ),
    },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'shutting down after an unexpected error');
      else app.log.info({ signal }, 'shutting down: draining');
      app.readiness.setDraining();
      if (settings.drainDelayMs > 0)
        await new Promise((resolve) => setTimeout(resolve, settings.drainDelayMs));
      await app.close();
      await settings.afterClose?.();
      app.log.info('shut down cleanly');
    },
  );
  await app.listen({ host: settings.host, port: settings.port });
}
