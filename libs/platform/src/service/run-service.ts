import { once } from 'node:events';
import closeWithGrace from 'close-with-grace';
import { ConfigError } from '../config/load-config.ts';
import type { Service } from './build-service.ts';

export interface RunSettings {
  host: string;
  port: number;
  /** Port of the operational listener (`app.opsServer`: /metrics, the full OpenAPI document); 0 = any. */
  opsPort: number;
  /** Readiness reports 503 this long before the server stops accepting. */
  drainDelayMs: number;
  /** Past this the process exits even if something is still closing. */
  shutdownTimeoutMs: number;
  /** Runs after the server has closed (e.g. flushing telemetry). */
  afterClose?: () => Promise<void>;
}

// Unset OPS_PORT: the public port + 10000 (auth 3001 -> 13001), so services on one machine never collide.
const OPS_PORT_OFFSET = 10_000;

/** The run settings every service reads from the platform part of its config (see `platformEnv`). */
export function runSettingsFrom(config: {
  HOST: string;
  PORT: number;
  OPS_PORT?: number | undefined;
  SHUTDOWN_DRAIN_DELAY_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
}): RunSettings {
  const opsPort = config.OPS_PORT ?? (config.PORT === 0 ? 0 : config.PORT + OPS_PORT_OFFSET);
  if (opsPort > 65_535) {
    throw new ConfigError([
      `OPS_PORT: required when PORT is above ${65_535 - OPS_PORT_OFFSET} (the default, PORT + ${OPS_PORT_OFFSET}, is no port)`,
    ]);
  }
  if (opsPort !== 0 && opsPort === config.PORT) {
    throw new ConfigError([
      'OPS_PORT: must differ from PORT (the operational listener is a server of its own)',
    ]);
  }
  return {
    host: config.HOST,
    port: config.PORT,
    opsPort,
    drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  };
}

async function listenForOps(app: Service, host: string, port: number): Promise<void> {
  // once() rejects when the server emits 'error' first (EADDRINUSE, EACCES).
  const listening = once(app.opsServer, 'listening');
  app.opsServer.listen({ host, port });
  try {
    await listening;
  } catch (error) {
    throw new Error(
      `The operational listener (metrics) could not listen on ${host}:${port}: ${(error as Error).message}. ` +
        'Free the port or set OPS_PORT to another one.',
      { cause: error },
    );
  }
  const address = app.opsServer.address();
  app.log.info(
    { port: typeof address === 'object' ? address?.port : port },
    'operational listener (metrics, full OpenAPI document) listening',
  );
}

/**
 * Listens on the public port and the operational one, and on SIGTERM/SIGINT shuts down gracefully:
 * readiness turns 503, both listeners stop accepting after the drain delay, in-flight requests finish,
 * plugins close their clients (onClose hooks), then the process exits; a shutdown that overruns its bound
 * exits non-zero.
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
  await listenForOps(app, settings.host, settings.opsPort);
}
